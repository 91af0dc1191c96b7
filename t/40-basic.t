# Basic HTTP behaviour of static serving: methods, status codes, headers,
# keep-alive, and one strict combined-format access-log line per request.
use strict;
use warnings;
use Test::More;
use Hearth qw(parse_response);

my $h = Hearth->start(files => {
	'htdocs/hello.txt' => "hello, world\n",
	'htdocs/sub/index.html' => "<p>sub</p>\n",
	'htdocs/sub/page.css' => "p{}\n",
	'htdocs/noindex/file.bin' => "\x00\x01\x02",
	'htdocs/UPPER.PNG' => "png",
	'htdocs/data.json' => "{}",
	'htdocs/noext' => "x",
});
my $requests = 0;

my ($st, $hd, $body) = $h->get('/hello.txt'); $requests++;
is($st, 200, 'GET a file');
is($body, "hello, world\n", 'body is the file');
is($hd->{'content-length'}, 13, 'Content-Length');
like($hd->{'content-type'}, qr{^text/plain; charset=utf-8$}, 'text type has charset');
like($hd->{date}, qr/^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/, 'Date is IMF-fixdate');
like($hd->{server}, qr{^hearth/}, 'Server');
like($hd->{'last-modified'}, qr/ GMT$/, 'Last-Modified');
is($hd->{connection}, 'close', 'Connection: close echoed');

($st, $hd, $body) = $h->get('/hello.txt', method => 'HEAD'); $requests++;
is($st, 200, 'HEAD');
is($body, '', 'HEAD has no body');
is($hd->{'content-length'}, 13, 'HEAD has the GET Content-Length');

($st, $hd, $body) = $h->get('/'); $requests++;
is($st, 200, 'index.html for /');
like($body, qr/hearth/i, 'default site index');

($st, $hd, $body) = $h->get('/sub/'); $requests++;
is($body, "<p>sub</p>\n", 'index in a subdirectory');

($st, $hd, $body) = $h->get('/sub'); $requests++;
is($st, 301, 'directory without slash redirects');
is($hd->{location}, '/sub/', 'Location adds the slash');

($st, $hd) = $h->get('/sub?a=b'); $requests++;
is($hd->{location}, '/sub/?a=b', 'redirect keeps the query');

($st, $hd, $body) = $h->get('/noindex/'); $requests++;
is($st, 403, 'directory without index is 403');

($st, $hd, $body) = $h->get('/missing.html'); $requests++;
is($st, 404, 'missing file is 404');
is($body, Hearth::slurp($h->root . '/htdocs/404.html'), 'custom 404 page');
like($hd->{'content-type'}, qr{^text/html}, '404 page is HTML');

for my $case (['/sub/page.css', qr{^text/css}],
    ['/UPPER.PNG', qr{^image/png$}],
    ['/data.json', qr{^application/json}],
    ['/noext', qr{^application/octet-stream$}],
    ['/noindex/file.bin', qr{^application/octet-stream$}]) {
	($st, $hd) = $h->get($case->[0]); $requests++;
	like($hd->{'content-type'}, $case->[1], "MIME type of $case->[0]");
}

($st, $hd) = $h->get('/hello.txt', method => 'OPTIONS'); $requests++;
is($st, 200, 'OPTIONS');
is($hd->{allow}, 'GET, HEAD, OPTIONS', 'OPTIONS lists Allow');

($st, $hd) = $h->get('*', method => 'OPTIONS'); $requests++;
is($st, 200, 'OPTIONS *');

($st, $hd) = $h->get('/hello.txt', method => 'DELETE'); $requests++;
is($st, 405, 'DELETE on a file is 405');
is($hd->{allow}, 'GET, HEAD, OPTIONS', '405 carries Allow');

($st, $hd) = $h->get('/hello.txt', method => 'TRACE'); $requests++;
is($st, 405, 'TRACE is 405');

($st, $hd) = $h->get('/hello.txt', method => 'BREW'); $requests++;
is($st, 501, 'unknown method is 501');

# A POST with a body: 405, and the body is read and dropped so the
# connection carries the next request.
my $raw = $h->request("POST /hello.txt HTTP/1.1\r\nHost: x\r\n" .
    "Content-Length: 5\r\n\r\nhelloGET /hello.txt HTTP/1.1\r\n" .
    "Host: x\r\nConnection: close\r\n\r\n"); $requests += 2;
($st, $hd) = parse_response($raw);
is($st, 405, 'POST on a file is 405');
like($raw, qr{\r\n\r\nhello, world\n\z}, 'the next request on the connection is served');
$raw = $h->request("POST /hello.txt HTTP/1.1\r\nHost: x\r\n" .
    "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n" .
    "GET /hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
$requests += 2;
like($raw, qr{^HTTP/1\.1 405 .*\r\n\r\nhello, world\n\z}s,
    'a chunked body is dropped too');
$raw = $h->request("POST /hello.txt HTTP/1.1\r\nHost: x\r\n" .
    "Content-Length: 99999999\r\n\r\n"); $requests++;
($st, $hd) = parse_response($raw);
is($st, 413, 'a body over limits.body is 413');
is($hd->{connection}, 'close', 'and the connection closes');

# keep-alive: two requests, one connection
$raw = $h->request("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n" .
    "GET /sub/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"); $requests += 2;
my @resp = split /(?=HTTP\/1\.1 )/, $raw;
is(scalar @resp, 2, 'two pipelined responses on one connection');
like($resp[0], qr/hello, world\n$/, 'first response first');
like($resp[1], qr/<p>sub<\/p>\n$/, 'second response second');

# HTTP/1.0: closes unless keep-alive was asked for
$raw = $h->request("GET /hello.txt HTTP/1.0\r\n\r\n"); $requests++;
($st, $hd) = parse_response($raw);
is($hd->{connection}, 'close', 'HTTP/1.0 closes by default');
$raw = $h->request("GET /hello.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", 1);
$requests++;
($st, $hd) = parse_response($raw);
is($hd->{connection}, 'keep-alive', 'HTTP/1.0 keep-alive on request');

# garbage gets 400 and closes
$raw = $h->request("GARBAGE\r\n\r\n"); $requests++;
like($raw, qr{^HTTP/1\.1 400 }, 'garbage is 400');
$raw = $h->request("GET / HTTP/1.1\r\n\r\n"); $requests++;
like($raw, qr{^HTTP/1\.1 400 }, 'HTTP/1.1 without Host is 400');
$raw = $h->request("GET / HTTP/3.0\r\nHost: x\r\n\r\n"); $requests++;
like($raw, qr{^HTTP/1\.1 505 }, 'unknown version is 505');

# every request has exactly one strict combined line
my @lines = $h->wait_access_lines($requests);
is(scalar @lines, $requests, "access log has $requests lines");
my @bad = grep { $_ !~ $Hearth::COMBINED_RE } @lines;
is_deeply(\@bad, [], 'every line matches the combined format');
like($lines[0], qr{^127\.0\.0\.1 - - \[[^]]+\] "GET /hello\.txt HTTP/1\.1" 200 13 "-" "-"$},
    'first line exact');
is(scalar(grep { m{"HEAD /hello\.txt HTTP/1\.1" 200 - } } @lines), 1,
    'HEAD logs "-" for no body');

is($h->stop, 0, 'clean exit on TERM');
done_testing;
