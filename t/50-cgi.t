# CGI (RFC 3875): forms and uploads streamed both ways, limits, a slow
# script beside other clients, timeouts, crashes and bad headers, the
# environment a script sees, HEAD, Status and Location, chunked output,
# injection through paths and headers, and stderr in the error log.
use strict;
use warnings;
use Test::More;
use Digest::SHA qw(sha256_hex);
use IO::Socket::INET;
use Time::HiRes qw(time);
use Hearth qw(wait_until slurp spew parse_response);

my $SRC = $ENV{HEARTH_SRCDIR} // '.';
my $MiB = 1024 * 1024;
my $SH = "#!/bin/sh\n";

my %scripts = (
	'cgi-bin/echo.cgi' => slurp("$SRC/cgi-bin/echo.cgi"),
	'cgi-bin/upload.cgi' => slurp("$SRC/cgi-bin/upload.cgi"),
	'cgi-bin/cat.cgi' => $SH . "printf 'Content-Type: application/octet-stream\\n\\n'\nexec cat\n",
	'cgi-bin/sha.cgi' => "#!/usr/bin/perl\nuse Digest::SHA;\nbinmode STDIN;\n" .
	    "my \$d = Digest::SHA->new(256); my \$n = 0;\n" .
	    "while (my \$r = sysread(STDIN, my \$b, 65536)) { \$d->add(\$b); \$n += \$r }\n" .
	    "print \"Content-Type: text/plain\\n\\n\$n \", \$d->hexdigest, \"\\n\";\n",
	'cgi-bin/env.cgi' => "#!/usr/bin/perl\n" .
	    "print \"Content-Type: text/plain\\n\\n\";\n" .
	    "print 'ENV ', slurp('/proc/self/environ'), \"\\n\";\n" .
	    "opendir my \$d, '/proc/self/fd'; for (sort readdir \$d) { next unless /^\\d+\$/;\n" .
	    "print \"FD \$_ \", readlink(\"/proc/self/fd/\$_\") // '?', \"\\n\" }\n" .
	    "sub slurp { open my \$f, '<', \$_[0]; local \$/; <\$f> }\n",
	'cgi-bin/slow.cgi' => $SH . "sleep 2\nprintf 'Content-Type: text/plain\\n\\nslow done\\n'\n",
	'cgi-bin/crash.cgi' => $SH . "kill -SEGV \$\$\n",
	'cgi-bin/silent.cgi' => $SH . "exit 0\n",
	'cgi-bin/badhdr.cgi' => $SH . "printf 'This is not a header\\n\\nbody\\n'\n",
	'cgi-bin/nohdr.cgi' => $SH . "printf 'X-Only: this\\n\\nbody\\n'\n",
	'cgi-bin/bigcr.cgi' => $SH . "printf 'Content-Type: text/plain\\nX-Bad: a\\rb\\n\\nx'\n",
	'cgi-bin/hugehdr.cgi' => "#!/usr/bin/perl\nprint \"X-Long: \", 'a' x 70000, \"\\nContent-Type: text/plain\\n\\nx\";\n",
	'cgi-bin/status.cgi' => $SH . "printf 'Status: 404 Not Here\\r\\nContent-Type: text/plain\\r\\n\\r\\nnothing\\n'\n",
	'cgi-bin/redir.cgi' => $SH . "printf 'Location: http://example.com/elsewhere\\n\\n'\n",
	'cgi-bin/local.cgi' => $SH . "printf 'Location: /static.txt\\n\\n'\n",
	'cgi-bin/localq.cgi' => $SH . "printf 'Location: /static.txt?x=1\\n\\n'\n",
	'cgi-bin/length.cgi' => $SH . "printf 'Content-Type: text/plain\\nContent-Length: 6\\n\\nlength and more'\n",
	'cgi-bin/hop.cgi' => $SH . "printf 'Content-Type: text/plain\\nConnection: keep-alive\\n" .
	    "Transfer-Encoding: gzip\\nKeep-Alive: timeout=99\\nDate: Thu, 01 Jan 1970 00:00:00 GMT\\n" .
	    "Server: evil/1.0\\nX-Custom: kept\\nSet-Cookie: a=1\\nSet-Cookie: b=2\\n\\nhop\\n'\n",
	'cgi-bin/err.cgi' => $SH . "printf 'line one\\nwith \\033[31mescape\\n' >&2\n" .
	    "printf 'Content-Type: text/plain\\n\\nok\\n'\n",
	'cgi-bin/sub/deep.cgi' => $SH . "printf 'Content-Type: text/plain\\n\\n%s|%s\\n' \"\$SCRIPT_NAME\" \"\$PATH_INFO\"\n",
	'cgi-bin/noexec.cgi' => $SH . "printf 'Content-Type: text/plain\\n\\nran\\n'\n",
	't1-bin/hang.cgi' => $SH . "echo \$\$ > PIDDIR/hang.pid\nsleep 60 &\necho \$! > PIDDIR/child.pid\nwait\n",
	'cgi-bin/sleepy.cgi' => $SH . "echo \$\$ > PIDDIR/sleepy.pid\nexec sleep 60\n",
	't1-bin/late.cgi' => $SH . "printf 'Content-Type: text/plain\\n\\nfirst part\\n'\nsleep 60\n",
	'ext-bin/ok.pl' => "#!/usr/bin/perl\nprint \"Content-Type: text/plain\\n\\next ok\\n\";\n",
	'ext-bin/no.sh' => $SH . "printf 'Content-Type: text/plain\\n\\nran\\n'\n",
	'htdocs/static.txt' => "static file\n",
);

my $h = Hearth->start(workers => 1, no_spawn => 1, conf => <<'EOF2');
cgi = (
    { url = "/cgi-bin/"; dir = "cgi-bin"; timeout = 20; },
    { url = "/t1/"; dir = "t1-bin"; timeout = 1; },
    { url = "/ext/"; dir = "ext-bin"; extensions = [ ".pl" ]; }
);
limits = { body = 8388608; };
EOF2
my $root = $h->root;
mkdir "$root/pids";
mkdir "$root/uploads";
chmod 0777, "$root/pids", "$root/uploads";
while (my ($f, $d) = each %scripts) {
	$d =~ s/PIDDIR/$root\/pids/g;
	spew("$root/$f", $d);
	chmod($f =~ /noexec/ ? 0644 : 0755, "$root/$f");
}
symlink('/bin/sh', "$root/cgi-bin/escape.cgi");
$h->_spawn;

# One request on its own connection; the whole answer.
sub req {
	my ($method, $path, $body, %o) = @_;
	my $hdrs = join '', map { "$_: $o{headers}{$_}\r\n" }
	    sort keys %{ $o{headers} // {} };
	$hdrs .= "Content-Length: " . length($body) . "\r\n"
	    if defined $body && !$o{chunked};
	$hdrs .= "Transfer-Encoding: chunked\r\n" if $o{chunked};
	my $ver = $o{version} // '1.1';
	my $data = "$method $path HTTP/$ver\r\nHost: localhost\r\n$hdrs" .
	    "Connection: close\r\n\r\n";
	if (defined $body && $o{chunked}) {
		for (my $i = 0; $i < length $body; $i += 100000) {
			my $c = substr($body, $i, 100000);
			$data .= sprintf("%x\r\n", length $c) . $c . "\r\n";
		}
		$data .= "0\r\n\r\n";
	} elsif (defined $body) {
		$data .= $body;
	}
	return $h->request($data, $o{timeout} // 20);
}

sub unchunk {
	my ($b) = @_;
	my $out = '';
	while ($b =~ s/^([0-9a-f]+)\r\n//i) {
		my $n = hex $1;
		last if $n == 0;
		$out .= substr($b, 0, $n, '');
		$b =~ s/^\r\n// or return undef;
	}
	return $out;
}

sub body_of {
	my ($raw) = @_;
	my ($st, $hd, $body) = parse_response($raw);
	$body = unchunk($body) if ($hd->{'transfer-encoding'} // '') eq 'chunked';
	return ($st, $hd, $body);
}

# ---- forms
my ($st, $hd, $body) = body_of(req('POST', '/cgi-bin/echo.cgi',
    'name=Ada+Lovelace&msg=%3Cb%3Ehi%3C%2Fb%3E+%26+bye&empty=',
    headers => { 'Content-Type' => 'application/x-www-form-urlencoded' }));
is($st, 200, 'urlencoded form: 200');
like($body, qr{<td class="name">name</td><td class="value">Ada Lovelace</td>},
    'fields are decoded');
like($body, qr{&lt;b&gt;hi&lt;/b&gt; &amp; bye}, 'and HTML-escaped');
unlike($body, qr{<b>hi}, 'no markup gets through');
is($hd->{'transfer-encoding'}, 'chunked', 'no Content-Length: chunked for HTTP/1.1');

($st, $hd, $body) = body_of(req('GET', '/cgi-bin/echo.cgi?q=a%20b&r=1'));
like($body, qr{<td class="value">a b</td>}, 'GET form from QUERY_STRING');

# ---- multipart upload, streamed to disk by the shipped script
my $file = join '', map { chr(($_ * 7 + ($_ >> 9)) & 255) } 0 .. 65535;
$file = substr($file x (5 * 16 + 1), 0, 5 * $MiB + 12345);
my $bnd = '----hearthBoundary7MA4YWxk';
my $mp = "--$bnd\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello <note>\r\n" .
    "--$bnd\r\nContent-Disposition: form-data; name=\"file\"; filename=\"../../evil name.bin\"\r\n" .
    "Content-Type: application/octet-stream\r\n\r\n$file\r\n--$bnd--\r\n";
($st, $hd, $body) = body_of(req('POST', '/cgi-bin/upload.cgi', $mp,
    headers => { 'Content-Type' => "multipart/form-data; boundary=$bnd" },
    timeout => 60));
is($st, 200, '5 MiB multipart upload: 200');
my ($size) = $body =~ m{<td class="size">(\d+)</td>};
my ($sha) = $body =~ m{<td class="sha256">([0-9a-f]+)</td>};
my ($saved) = $body =~ m{<td class="path">([^<]+)</td>};
is($size, length $file, 'the saved size is the file size');
is($sha, sha256_hex($file), 'and its SHA-256 matches');
ok(defined $saved && $saved =~ m{^\Q$root\E/uploads/[^/]*evil_name\.bin$},
    'saved under uploads with a safe name') or diag($saved // $body);
is(-s ($saved // ''), length $file, 'the file on disk has every byte');
like($body, qr{<td class="value">hello &lt;note&gt;</td>}, 'text field beside the file');

# ---- large bodies both ways
my $big = join '', map { pack('N', $_ * 2654435761 % 4294967291) } 0 .. (3 * $MiB / 4);
($st, $hd, $body) = body_of(req('POST', '/cgi-bin/cat.cgi', $big, timeout => 60));
is($st, 200, '3 MiB through a script that copies stdin to stdout');
ok($body eq $big, 'every byte came back in order');
($st, $hd, $body) = body_of(req('POST', '/cgi-bin/sha.cgi', $big, chunked => 1,
    timeout => 60));
is($body, length($big) . ' ' . sha256_hex($big) . "\n",
    'a chunked request body reaches the script decoded');

# ---- limits.body
($st) = parse_response($h->request("POST /cgi-bin/sha.cgi HTTP/1.1\r\n" .
    "Host: localhost\r\nContent-Length: 9000000\r\nConnection: close\r\n\r\n"));
is($st, 413, 'Content-Length over limits.body: 413');
my $huge = 'x' x (8388608 + 1000);
my $raw = req('POST', '/cgi-bin/sha.cgi', $huge, chunked => 1, timeout => 30);
($st, $hd, $body) = parse_response($raw);
ok($st == 413 || $st == 0 || $st == 200 && $body !~ /^\d+ /,
    'a chunked body over limits.body never reaches the end of the script');
ok($h->error_log_like(qr/chunked body exceeds limits\.body/),
    'and the error log says why');

# ---- a slow script does not hold up other clients of the same worker
my $slow = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $h->port)
    or die;
print $slow "GET /cgi-bin/slow.cgi HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
my $t0 = time;
($st, $hd, $body) = $h->get('/static.txt');
my $dt = time - $t0;
is($st, 200, 'a static file while a script sleeps (workers = 1)');
ok($dt < 1.5, sprintf('answered in %.2f s, not after the script', $dt));
{
	local $/;
	my $r = <$slow>;
	like($r, qr/slow done/, 'and the slow script still answers');
}

# ---- timeout: 504, and the whole process group is gone
$t0 = time;
($st) = parse_response(req('GET', '/t1/hang.cgi'));
is($st, 504, 'a script past its timeout: 504');
ok(time - $t0 < 5, 'after about the timeout');
my $pid = slurp("$root/pids/hang.pid") // '';
my $kid = slurp("$root/pids/child.pid") // '';
chomp($pid, $kid);
ok($pid && $kid, 'the script wrote its pids');
ok(wait_until(sub { !kill(0, $pid) && !kill(0, $kid) }, 10),
    'the script and its child are killed');
ok($h->error_log_like(qr{cgi /t1/hang\.cgi: timed out after 1 s}),
    'the timeout is logged');
$raw = req('GET', '/t1/late.cgi');
($st, $hd, $body) = parse_response($raw);
is($st, 200, 'a timeout after the head keeps the status sent');
unlike($raw, qr/0\r\n\r\n$/, 'but the body is cut, not ended');

# ---- crashes and bad headers: 502
($st) = parse_response(req('GET', '/cgi-bin/crash.cgi'));
is($st, 502, 'a script that crashes: 502');
ok($h->error_log_like(qr{cgi /cgi-bin/crash\.cgi: killed by signal 11}),
    'the signal is logged');
for my $s (qw(silent badhdr nohdr bigcr hugehdr)) {
	($st) = parse_response(req('GET', "/cgi-bin/$s.cgi"));
	is($st, 502, "$s.cgi: 502");
}
ok($h->error_log_like(qr{badhdr\.cgi: malformed header section}),
    'malformed headers are logged');

# ---- the environment
($st, $hd, $body) = body_of(req('POST', '/cgi-bin/env.cgi/extra/path%20x?x=1&y=%41', 'a=b',
    headers => { 'Content-Type' => 'application/x-www-form-urlencoded',
	'Proxy' => 'http://evil.example:3128', 'Authorization' => 'Basic dTpw',
	'X-Multi' => 'one', 'X_Under' => 'sneaky', 'Cookie' => 'c=1' }));
is($st, 200, 'env script: 200');
my ($envtxt) = $body =~ /^ENV (.*?)\nFD /s;
my %env = map { /^([^=]*)=(.*)$/s ? ($1 => $2) : () } split /\0/, $envtxt // '';
my %want = (
	GATEWAY_INTERFACE => 'CGI/1.1', SERVER_PROTOCOL => 'HTTP/1.1',
	REQUEST_METHOD => 'POST', QUERY_STRING => 'x=1&y=%41',
	SCRIPT_NAME => '/cgi-bin/env.cgi', PATH_INFO => '/extra/path x',
	PATH_TRANSLATED => "$root/htdocs/extra/path x",
	SCRIPT_FILENAME => "$root/cgi-bin/env.cgi",
	REQUEST_URI => '/cgi-bin/env.cgi/extra/path%20x?x=1&y=%41',
	SERVER_NAME => 'localhost', SERVER_PORT => $h->port,
	REMOTE_ADDR => '127.0.0.1', CONTENT_LENGTH => 3,
	CONTENT_TYPE => 'application/x-www-form-urlencoded',
	DOCUMENT_ROOT => "$root/htdocs", PATH => '/usr/local/bin:/usr/bin:/bin',
	HTTP_COOKIE => 'c=1', HTTP_HOST => 'localhost',
);
for my $k (sort keys %want) {
	is($env{$k}, $want{$k}, "$k");
}
like($env{SERVER_SOFTWARE} // '', qr{^hearth/}, 'SERVER_SOFTWARE');
like($env{REMOTE_PORT} // '', qr/^\d+$/, 'REMOTE_PORT');
ok(!exists $env{HTTP_PROXY}, 'no HTTP_PROXY (httpoxy)');
ok(!exists $env{HTTP_AUTHORIZATION}, 'no HTTP_AUTHORIZATION');
ok(!exists $env{HTTP_CONTENT_LENGTH} && !exists $env{HTTP_CONTENT_TYPE},
    'Content-Length and Content-Type only once');
ok(!grep({ /UNDER/ } keys %env), 'a header name with "_" is not passed');
ok(!exists $env{HOME} && !exists $env{USER} && !exists $env{HEARTHD},
    'nothing inherited from the server');
my @fds = $body =~ /^FD (\d+) (.*)$/mg;
my %fd = @fds;
is(join(',', grep { $_ > 2 && $fd{$_} !~ m{^/proc/\d+/fd$} } sort keys %fd), '',
    'no descriptors beyond 0, 1, 2 (and the listing\'s own)');
like($fd{0} // '', qr/^pipe:/, 'stdin is a pipe');

# repeated fields joined; folded lines and CR/LF cannot make variables
$raw = $h->request("GET /cgi-bin/env.cgi HTTP/1.1\r\nHost: localhost\r\n" .
    "X-Multi: one\r\nX-Multi: two\r\nConnection: close\r\n\r\n");
($st, $hd, $body) = body_of($raw);
($envtxt) = $body =~ /^ENV (.*?)\nFD /s;
%env = map { /^([^=]*)=(.*)$/s ? ($1 => $2) : () } split /\0/, $envtxt // '';
is($env{HTTP_X_MULTI}, 'one, two', 'repeated fields are joined with ", "');
$raw = $h->request("GET /cgi-bin/env.cgi HTTP/1.1\r\nHost: localhost\r\n" .
    "X-Fold: a\r\n INJECTED=1\r\nX-Lf: b\nINJECTED2=1\r\nConnection: close\r\n\r\n");
($st, $hd, $body) = body_of($raw);
($envtxt) = ($body // '') =~ /^ENV (.*?)\nFD /s;
%env = map { /^([^=]*)=(.*)$/s ? ($1 => $2) : () } split /\0/, $envtxt // '';
ok(!exists $env{INJECTED} && !exists $env{INJECTED2} &&
    !grep({ /^\s*INJECTED/ } keys %env),
    "header lines cannot add variables (status $st)");

# ---- HEAD
($st, $hd, $body) = parse_response(req('HEAD', '/cgi-bin/echo.cgi?a=1'));
is($st, 200, 'HEAD runs the script');
like($hd->{'content-type'} // '', qr{^text/html}, 'with its Content-Type');
is($body, '', 'and no body');
ok(!exists $hd->{'transfer-encoding'}, 'and no chunked framing');

# ---- Status and Location
($st, $hd, $body) = body_of(req('GET', '/cgi-bin/status.cgi'));
is($st, 404, 'Status: 404');
like($raw = req('GET', '/cgi-bin/status.cgi'), qr{^HTTP/1\.1 404 Not Here\r\n},
    'with the script\'s reason phrase');
is($body, "nothing\n", 'and its body');
($st, $hd) = parse_response(req('GET', '/cgi-bin/redir.cgi'));
is($st, 302, 'client redirect: 302');
is($hd->{location}, 'http://example.com/elsewhere', 'with the Location');
($st, $hd, $body) = parse_response(req('GET', '/cgi-bin/local.cgi'));
is($st, 200, 'local redirect to a file is served here');
is($body, "static file\n", 'with the file');
ok(!exists $hd->{location}, 'and no Location');
($st, $hd) = parse_response(req('GET', '/cgi-bin/localq.cgi'));
is($st, 302, 'a local redirect with a query: 302');
is($hd->{location}, '/static.txt?x=1', 'to that path');

# ---- framing
($st, $hd, $body) = parse_response(req('GET', '/cgi-bin/length.cgi'));
is($hd->{'content-length'}, 6, 'the script\'s Content-Length is kept');
is($body, 'length', 'and the body is cut to it');
ok(!exists $hd->{'transfer-encoding'}, 'no chunking with a length');
($st, $hd, $body) = parse_response(req('GET', '/cgi-bin/echo.cgi?z=9', undef,
    version => '1.0'));
ok(!exists $hd->{'transfer-encoding'}, 'HTTP/1.0: no chunking');
like($body, qr{</html>\n$}, 'the body ends with the connection');
($st, $hd, $body) = body_of(req('GET', '/cgi-bin/hop.cgi'));
my ($head) = (parse_response(req('GET', '/cgi-bin/hop.cgi')))[3];
is(scalar(() = $head =~ /^Date:/mgi), 1, 'one Date');
is(scalar(() = $head =~ /^Server:/mgi), 1, 'one Server');
unlike($head, qr{evil/1\.0|1970|timeout=99|gzip}, 'hop-by-hop and our own fields dropped');
like($head, qr/^X-Custom: kept\r$/m, 'other fields pass');
is(scalar(() = $head =~ /^Set-Cookie:/mg), 2, 'repeated fields pass');
is($body, "hop\n", 'body intact');

# keep-alive: two CGI answers and a file on one connection, pipelined
$raw = $h->request("GET /cgi-bin/length.cgi HTTP/1.1\r\nHost: x\r\n\r\n" .
    "POST /cgi-bin/sha.cgi HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc" .
    "GET /static.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
is(scalar(() = $raw =~ m{HTTP/1\.1 200 OK\r\n}g), 3, 'three pipelined answers on one connection');
like($raw, qr/3 \Q${\ sha256_hex('abc')}\E/, 'the body went to the right script');
like($raw, qr/static file\n$/, 'and the file came last');

# ---- paths
for my $p ('/cgi-bin/../etc/passwd', '/cgi-bin/%2e%2e/%2e%2e/etc/passwd',
    '/cgi-bin/x.cgi%00', '/cgi-bin/echo.cgi%00.txt', '/cgi-bin/.hidden',
    '/cgi-bin/', '/cgi-bin/sub/', '/cgi-bin/nope.cgi') {
	($st, $hd, $body) = parse_response(req('GET', $p));
	ok($st =~ /^40[034]$/, "$p: $st") or diag($body);
	unlike($body, qr/root:/, "$p: no passwd");
}
($st) = parse_response(req('GET', '/cgi-bin/noexec.cgi'));
is($st, 403, 'a file that is not executable: 403');
($st) = parse_response(req('GET', '/cgi-bin/escape.cgi'));
ok($st == 403 || $st == 404, "a symlink out of the dir is not run ($st)");
($st, $hd, $body) = body_of(req('GET', '/cgi-bin/sub/deep.cgi/a/b'));
is($body, "/cgi-bin/sub/deep.cgi|/a/b\n", 'a script in a subdirectory, with PATH_INFO');
($st, $hd, $body) = body_of(req('GET', '/ext/ok.pl'));
is($body, "ext ok\n", 'extensions: a listed one runs');
($st) = parse_response(req('GET', '/ext/no.sh'));
is($st, 403, 'and another does not');

# ---- stderr and the access log
($st) = parse_response(req('GET', '/cgi-bin/err.cgi'));
is($st, 200, 'a script that writes to stderr');
ok($h->error_log_like(qr{\[client 127\.0\.0\.1\] cgi /cgi-bin/err\.cgi: line one$}m),
    'each stderr line is logged, tagged with client and script');
ok($h->error_log_like(qr{cgi /cgi-bin/err\.cgi: with \\033\[31mescape$}m),
    'control bytes escaped');
my @acc = $h->wait_access_lines(1);
ok(grep({ m{"GET /cgi-bin/length\.cgi HTTP/1\.1" 200 6 } } @acc),
    'access log: status and body bytes sent') or diag(join "\n", @acc[-5 .. -1]);
ok(grep({ m{"GET /t1/hang\.cgi HTTP/1\.1" 504 } } @acc), 'the 504 is logged');

# no script is left running
ok(wait_until(sub {
	my @left = grep { (slurp("$_/cmdline") // '') =~ /\.cgi/ } glob '/proc/[0-9]*';
	!@left;
}, 10), 'no script processes left over');

# a stopping worker takes its scripts with it
my $sl = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $h->port)
    or die;
print $sl "GET /cgi-bin/sleepy.cgi HTTP/1.1\r\nHost: x\r\n\r\n";
ok(wait_until(sub { -s "$root/pids/sleepy.pid" }, 10), 'a script is running');
$pid = slurp("$root/pids/sleepy.pid") // '';
chomp $pid;
$h->stop;
ok(wait_until(sub { !kill(0, $pid) }, 5), 'and is gone when the server stops');
done_testing;
