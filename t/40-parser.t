# The request parser end to end (issue 4): every status rule of RFC 9112
# as the client sees it over a raw socket.  A malformed head is answered
# with its status, an HTML body and "Connection: close", the connection
# then closes, and the server goes on serving.  Framing conflicts never
# let a second request be smuggled through.
use strict;
use warnings;
use Test::More;
use Time::HiRes qw(time);
use Hearth qw(parse_response);

my $HELLO = "hello, world\n";
my $h = Hearth->start(workers => 2,
    conf => "timeouts = { header = 2; keepalive = 2; };\n",
    files => { 'htdocs/hello.txt' => $HELLO });

# Send $data on a fresh connection and read until the server closes or
# $timeout passes.  Returns (bytes, eof, read error).
sub exchange {
	my ($data, $timeout) = @_;
	my $s = $h->connect or return ('', 0, "connect: $!");
	binmode $s;
	my $off = 0;
	while ($off < length $data) {
		my $n = syswrite($s, $data, length($data) - $off, $off);
		last unless defined $n;	# the server may close early
		$off += $n;
	}
	return read_until_eof($s, $timeout);
}

sub read_until_eof {
	my ($s, $timeout) = @_;
	my ($out, $eof, $err) = ('', 0, undef);
	my $deadline = time + ($timeout // 5);
	while ((my $left = $deadline - time) > 0) {
		my $rin = '';
		vec($rin, fileno($s), 1) = 1;
		my $n = select(my $rout = $rin, undef, undef, $left);
		next if $n < 0 && $!{EINTR};
		last if $n <= 0;
		my $r = sysread($s, my $buf, 65536);
		if (!defined $r) {
			$err = "$!";
			last;
		}
		if ($r == 0) {
			$eof = 1;
			last;
		}
		$out .= $buf;
	}
	close $s;
	return ($out, $eof, $err);
}

# Split a byte stream into responses framed by Content-Length.
sub responses {
	my ($data) = @_;
	my @r;
	while (length $data) {
		my $i = index($data, "\r\n\r\n");
		last if $i < 0;
		my ($st, $hd) = parse_response(substr($data, 0, $i + 4));
		my $len = $hd->{'content-length'} // 0;
		push @r, { status => $st, headers => $hd,
		    body => substr($data, $i + 4, $len) };
		$data = length($data) > $i + 4 + $len ?
		    substr($data, $i + 4 + $len) : '';
	}
	return @r;
}

sub still_serving {
	my ($name) = @_;
	my ($st, undef, $body) = $h->get('/hello.txt');
	ok($st == 200 && $body eq $HELLO, "$name: a normal request is served afterwards");
}

# A malformed request: one response with $want, closed after it.
sub bad {
	my ($name, $req, $want) = @_;
	my ($out, $eof, $err) = exchange($req, 5);
	my @r = responses($out);
	my $r = $r[0] // { status => 0, headers => {}, body => '' };
	is($r->{status}, $want, "$name: $want");
	is($r->{headers}{connection}, 'close', "$name: Connection: close");
	like($r->{headers}{'content-type'} // '', qr{^text/html\b},
	    "$name: text/html body");
	ok(length $r->{body} > 0 &&
	    length $r->{body} == ($r->{headers}{'content-length'} // -1),
	    "$name: body is Content-Length bytes");
	is(scalar @r, 1, "$name: exactly one response");
	ok($eof && !defined $err, "$name: the server closes the connection") or
	    diag($err // 'no EOF within 5 s');
	still_serving($name);
}

my $H = "Host: localhost\r\n";

# --- field syntax (RFC 9112 section 5, RFC 9110 section 5.6.2)
bad('whitespace before colon', "GET /hello.txt HTTP/1.1\r\n${H}X-A : b\r\n\r\n", 400);
bad('space before colon in Host', "GET /hello.txt HTTP/1.1\r\nHost : localhost\r\n\r\n", 400);
bad('obs-fold', "GET /hello.txt HTTP/1.1\r\n${H}X-A: a\r\n b\r\n\r\n", 400);
bad('obs-fold with a tab', "GET /hello.txt HTTP/1.1\r\n${H}X-A: a\r\n\tb\r\n\r\n", 400);
bad('bare CR in a value', "GET /hello.txt HTTP/1.1\r\n${H}X-A: a\rb\r\n\r\n", 400);
bad('bare CR as a line end', "GET /hello.txt HTTP/1.1\r${H}\r\n", 400);
bad('NUL in a value', "GET /hello.txt HTTP/1.1\r\n${H}X-A: a\0b\r\n\r\n", 400);
bad('NUL in the request line', "GET /hel\0lo.txt HTTP/1.1\r\n$H\r\n", 400);
bad('( in a field name', "GET /hello.txt HTTP/1.1\r\n${H}X(A): b\r\n\r\n", 400);
bad('@ in a field name', "GET /hello.txt HTTP/1.1\r\n${H}X\@A: b\r\n\r\n", 400);
bad('8-bit byte in a field name', "GET /hello.txt HTTP/1.1\r\n${H}X\xffA: b\r\n\r\n", 400);
bad('empty field name', "GET /hello.txt HTTP/1.1\r\n${H}: b\r\n\r\n", 400);
bad('field line without a colon', "GET /hello.txt HTTP/1.1\r\n${H}NoColon\r\n\r\n", 400);

# --- Host (RFC 9112 section 3.2)
bad('HTTP/1.1 without Host', "GET /hello.txt HTTP/1.1\r\nX-A: b\r\n\r\n", 400);
bad('two Host fields', "GET /hello.txt HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400);
bad('Host with a space', "GET /hello.txt HTTP/1.1\r\nHost: a b\r\n\r\n", 400);
bad('Host with a slash', "GET /hello.txt HTTP/1.1\r\nHost: a/b\r\n\r\n", 400);
bad('two identical Host fields', "GET /hello.txt HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 400);

# --- message framing (RFC 9112 section 6)
bad('non-numeric Content-Length', "POST /hello.txt HTTP/1.1\r\n${H}Content-Length: abc\r\n\r\n", 400);
bad('negative Content-Length', "POST /hello.txt HTTP/1.1\r\n${H}Content-Length: -1\r\n\r\n", 400);
bad('Content-Length list of two values', "POST /hello.txt HTTP/1.1\r\n${H}Content-Length: 5, 6\r\n\r\nhello", 400);
bad('two different Content-Length fields',
    "POST /hello.txt HTTP/1.1\r\n${H}Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello", 400);
bad('Content-Length overflowing 64 bits',
    "POST /hello.txt HTTP/1.1\r\n${H}Content-Length: 99999999999999999999999\r\n\r\n", 400);
bad('Content-Length and Transfer-Encoding',
    "POST /hello.txt HTTP/1.1\r\n${H}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400);
bad('Transfer-Encoding in HTTP/1.0',
    "POST /hello.txt HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400);
bad('Transfer-Encoding: gzip, chunked (unknown coding)',
    "POST /hello.txt HTTP/1.1\r\n${H}Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501);
bad('Transfer-Encoding: chunked, gzip (chunked not final)',
    "POST /hello.txt HTTP/1.1\r\n${H}Transfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n", 400);
bad('Transfer-Encoding: gzip alone (chunked not final)',
    "POST /hello.txt HTTP/1.1\r\n${H}Transfer-Encoding: gzip\r\n\r\n", 400);
bad('Transfer-Encoding: chunked twice',
    "POST /hello.txt HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400);

# --- version (RFC 9110 section 15.6.6, RFC 9113 section 3.4)
bad('HTTP/2.0', "GET /hello.txt HTTP/2.0\r\n$H\r\n", 505);
bad('HTTP/2 connection preface', "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505);
bad('HTTP/1.2', "GET /hello.txt HTTP/1.2\r\n$H\r\n", 505);
bad('HTTP/0.9 style request line', "GET /hello.txt\r\n\r\n", 400);
bad('malformed version', "GET /hello.txt HTTP/1.1x\r\n$H\r\n", 400);
bad('lowercase version', "GET /hello.txt http/1.1\r\n$H\r\n", 400);

# --- request line (RFC 9112 section 3)
bad('two spaces in the request line', "GET  /hello.txt HTTP/1.1\r\n$H\r\n", 400);
bad('tab in the request line', "GET\t/hello.txt HTTP/1.1\r\n$H\r\n", 400);
bad('GET * (asterisk-form is OPTIONS only)', "GET * HTTP/1.1\r\n$H\r\n", 400);
bad('fragment in the target', "GET /hello.txt#x HTTP/1.1\r\n$H\r\n", 400);

bad('nine leading empty lines', ("\r\n" x 9) . "GET /hello.txt HTTP/1.1\r\n$H\r\n", 400);

# --- Expect (RFC 9110 section 10.1.1)
bad('unknown expectation', "GET /hello.txt HTTP/1.1\r\n${H}Expect: teapot\r\n\r\n", 417);

# 100-continue: the client waits for an answer before sending the body.
# The server must give one: 100 if it will read the body (keep-alive),
# or the final status at once (RFC 9110 section 10.1.1).
sub expect_head {
	my ($s, $extra) = @_;
	syswrite($s, "POST /hello.txt HTTP/1.1\r\n${H}Expect: 100-continue\r\n" .
	    "Content-Length: 5\r\n$extra\r\n");
	my $got = '';
	my $rin = '';
	vec($rin, fileno($s), 1) = 1;
	my $deadline = time + 1.5;
	while ($got !~ /\r\n\r\n/ && time < $deadline) {
		last unless select(my $rout = $rin, undef, undef, $deadline - time) > 0;
		sysread($s, my $buf, 4096) or last;
		$got .= $buf;
	}
	return $got;
}
{
	my $s = $h->connect;
	binmode $s;
	my $got = expect_head($s, '');
	like($got, qr{^HTTP/1\.1 100 Continue\r\n\r\n}, 'Expect: 100-continue: 100 before the body');
	syswrite($s, "hello" . "GET /hello.txt HTTP/1.1\r\n${H}Connection: close\r\n\r\n");
	my ($out) = read_until_eof($s, 3);
	$out = "$got$out";
	$out =~ s{^HTTP/1\.1 100 [^\r]*\r\n\r\n}{};
	my @r = responses($out);
	is(join(',', map { $_->{status} } @r), '405,200',
	    'Expect: 100-continue: then the final response, and the next request');

	$s = $h->connect;
	binmode $s;
	$got = expect_head($s, "Connection: close\r\n");
	like($got, qr{^HTTP/1\.1 (100|405) }, 'Expect: 100-continue, Connection: close: ' .
	    'an answer without waiting for the body');
	close $s;
}

# --- limits (RFC 9110 section 15.5.15, RFC 6585 section 5)
bad('9000-byte request line', "GET /" . ('a' x 9000) . " HTTP/1.1\r\n$H\r\n", 414);
bad('9000-byte header field', "GET /hello.txt HTTP/1.1\r\n${H}X-Long: " .
    ('a' x 9000) . "\r\n\r\n", 431);
bad('more than 64 KiB of headers', "GET /hello.txt HTTP/1.1\r\n$H" .
    join('', map { "X-F$_: " . ('b' x 1000) . "\r\n" } 1 .. 70) . "\r\n", 431);
bad('101 header fields', "GET /hello.txt HTTP/1.1\r\n$H" .
    join('', map { "X-F$_: v\r\n" } 1 .. 100) . "\r\n", 431);

# the limits themselves are allowed: 8192-byte request line and field
# line, 65536 bytes of header section (README: "longer: 414")
{
	my $rl = 'GET /' . ('a' x (8192 - length 'GET / HTTP/1.1')) . ' HTTP/1.1';
	my ($st) = parse_response($h->request("$rl\r\n${H}Connection: close\r\n\r\n"));
	is($st, 404, '8192-byte request line (the limit): parsed, 404');
	my $f = 'X-A: ' . ('a' x (8192 - 5));
	($st) = parse_response($h->request("GET /hello.txt HTTP/1.1\r\n$H$f\r\n" .
	    "Connection: close\r\n\r\n"));
	is($st, 200, '8192-byte field line (the limit): 200');
	my $fixed = "${H}Connection: close\r\n";
	my $fill = 65536 - length($fixed) - 2;	# and the final CRLF
	my $hdrs = '';
	for (my $i = 0; $fill > 0; $i++) {
		my $n = $fill > 8000 ? 8000 : $fill;
		$n -= 100 if $fill - $n > 0 && $fill - $n < 100;
		$hdrs .= sprintf("X-%02d: ", $i) . ('v' x ($n - 8)) . "\r\n";
		$fill -= $n;
	}
	($st) = parse_response($h->request("GET /hello.txt HTTP/1.1\r\n" .
	    "$fixed$hdrs\r\n"));
	is($st, 200, '65536-byte header section (the limit): 200');
	($st) = parse_response($h->request("GET /hello.txt HTTP/1.1\r\n" .
	    "${fixed}X$hdrs\r\n"));
	is($st, 431, '65537-byte header section: 431');
}

{
	my ($st, $hd, $body) = parse_response($h->request(
	    "GET /hello.txt HTTP/1.1\r\n$H" .
	    join('', map { "X-F$_: v\r\n" } 1 .. 98) .
	    "Connection: close\r\n\r\n"));
	is($st, 200, '100 header fields (the limit) are accepted');
	is($body, $HELLO, '... and the file served');
}

# --- methods (RFC 9110 section 9): well-framed requests the server
# need not close after.  Whatever it says in Connection it must do.
sub method_error {
	my ($name, $req, $want, $allow) = @_;
	my ($out, $eof, $err) = exchange($req .
	    "GET /hello.txt HTTP/1.1\r\n${H}Connection: close\r\n\r\n", 5);
	my @r = responses($out);
	my $r = $r[0] // { status => 0, headers => {}, body => '' };
	is($r->{status}, $want, "$name: $want");
	like($r->{headers}{'content-type'} // '', qr{^text/html\b},
	    "$name: text/html body");
	ok(length $r->{body} > 0 &&
	    length $r->{body} == ($r->{headers}{'content-length'} // -1),
	    "$name: body is Content-Length bytes");
	is($r->{headers}{allow}, $allow, "$name: Allow") if defined $allow;
	if (($r->{headers}{connection} // '') =~ /\bclose\b/i) {
		is(scalar @r, 1, "$name: Connection: close, and nothing after it");
	} else {
		ok(@r == 2 && $r[1]{status} == 200 && $r[1]{body} eq $HELLO,
		    "$name: kept alive, and the next request is served");
	}
	ok($eof, "$name: the connection closes in the end");
}

method_error('unknown method', "BREW /hello.txt HTTP/1.1\r\n$H\r\n", 501);
method_error('lowercase get (methods are case-sensitive)', "get /hello.txt HTTP/1.1\r\n$H\r\n", 501);
method_error('TRACE', "TRACE /hello.txt HTTP/1.1\r\n$H\r\n", 405, 'GET, HEAD, OPTIONS');

{
	my ($st, $hd, $body) = $h->get('/hello.txt', method => 'OPTIONS');
	is($st, 200, 'OPTIONS /hello.txt: 200');
	my %allow = map { $_ => 1 } split /\s*,\s*/, $hd->{allow} // '';
	ok($allow{GET} && $allow{HEAD} && $allow{OPTIONS}, 'OPTIONS: Allow lists GET, HEAD, OPTIONS');
	ok(!$allow{TRACE}, 'OPTIONS: Allow does not list TRACE');
	($st, $hd) = $h->get('*', method => 'OPTIONS');
	is($st, 200, 'OPTIONS *: 200');
	ok(defined $hd->{allow}, 'OPTIONS *: Allow');
}

# --- request-target forms (RFC 9112 section 3.2)
{
	my ($st, $hd, $body) = parse_response($h->request(
	    "GET http://example.org/hello.txt HTTP/1.1\r\n${H}Connection: close\r\n\r\n"));
	is($st, 200, 'absolute-form: 200');
	is($body, $HELLO, 'absolute-form: serves the file');
	($st) = parse_response($h->request(
	    "GET http://user\@example.org/hello.txt HTTP/1.1\r\n${H}Connection: close\r\n\r\n"));
	is($st, 400, 'absolute-form with userinfo: 400');
	($st) = parse_response($h->request(
	    "GET ftp://example.org/hello.txt HTTP/1.1\r\n${H}Connection: close\r\n\r\n"));
	is($st, 400, 'absolute-form with a non-http scheme: 400');
	($st, $hd, $body) = parse_response($h->request(
	    "\r\nGET /hello.txt HTTP/1.1\r\n${H}Connection: close\r\n\r\n"));
	is($st, 200, 'a leading empty line is skipped (RFC 9112 section 2.2)');
	($st, $hd, $body) = parse_response($h->request(
	    "GET /hello.txt HTTP/1.1\n${H}Connection: close\n\n"));
	is($st, 200, 'bare LF line ends are accepted (RFC 9112 section 2.2)');
}

# --- smuggling: one request on the wire is one response, never two
{
	my $smuggled = "GET /hello.txt HTTP/1.1\r\n$H\r\n";

	# CL.TE: a front end that believes Content-Length would forward the
	# chunked terminator and the smuggled request as a body.
	my ($out, $eof) = exchange("POST /hello.txt HTTP/1.1\r\n$H" .
	    "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n" .
	    "0\r\n\r\n$smuggled", 5);
	my @r = responses($out);
	is(scalar @r, 1, 'CL + TE: exactly one response');
	is($r[0]{status}, 400, 'CL + TE: it is the 400');
	ok($eof, 'CL + TE: closed');

	# TE.CL, the other order of the two fields
	($out, $eof) = exchange("POST /hello.txt HTTP/1.1\r\n$H" .
	    "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n" .
	    "0\r\n\r\n$smuggled", 5);
	@r = responses($out);
	is(scalar @r, 1, 'TE + CL: exactly one response');
	is($r[0]{status}, 400, 'TE + CL: it is the 400');

	# A Content-Length body that is itself a request
	($out, $eof) = exchange("POST /hello.txt HTTP/1.1\r\n$H" .
	    "Content-Length: " . length($smuggled) . "\r\n\r\n$smuggled", 5);
	@r = responses($out);
	is(scalar @r, 1, 'request-shaped CL body: exactly one response');
	isnt($r[0]{body}, $HELLO, 'request-shaped CL body: not answered as a request');
	ok($eof, 'request-shaped CL body: closed');

	# The same on a GET, which the server does answer with the file
	($out, $eof) = exchange("GET /hello.txt HTTP/1.1\r\n$H" .
	    "Content-Length: " . length($smuggled) . "\r\n\r\n$smuggled", 5);
	@r = responses($out);
	is(scalar @r, 1, 'GET with a request-shaped body: exactly one response');

	# A chunked body that is a request
	($out, $eof) = exchange("POST /hello.txt HTTP/1.1\r\n$H" .
	    "Transfer-Encoding: chunked\r\n\r\n" .
	    sprintf("%x\r\n%s\r\n0\r\n\r\n", length $smuggled, $smuggled), 5);
	@r = responses($out);
	is(scalar @r, 1, 'request-shaped chunked body: exactly one response');
	ok($eof, 'request-shaped chunked body: closed');

	# Obfuscated Transfer-Encoding must not be ignored in favour of CL
	for my $te ("Transfer-Encoding : chunked", "Transfer-Encoding: xchunked",
	    "Transfer-Encoding:\x0bchunked") {
		(my $n = $te) =~ s/[^ -~]/?/g;
		($out, $eof) = exchange("POST /hello.txt HTTP/1.1\r\n$H" .
		    "Content-Length: 5\r\n$te\r\n\r\n0\r\n\r\n$smuggled", 5);
		@r = responses($out);
		is(scalar @r, 1, "'$n' with CL: exactly one response");
		like($r[0]{status} // 0, qr/^(400|501)$/, "'$n' with CL: refused");
	}
}

# --- bodies: a request that really follows a body is pipelined, and
# broken chunked framing is 400 (RFC 9112 section 7.1)
{
	my $next = "GET /hello.txt HTTP/1.1\r\n${H}Connection: close\r\n\r\n";
	my ($out, $eof) = exchange("POST /hello.txt HTTP/1.1\r\n$H" .
	    "Content-Length: 5\r\n\r\nhello$next", 5);
	my @r = responses($out);
	is(join(',', map { $_->{status} } @r), '405,200',
	    'Content-Length body, then a pipelined GET: 405 and 200');
	is($r[1] && $r[1]{body}, $HELLO, '... the GET gets the file');

	($out, $eof) = exchange("POST /hello.txt HTTP/1.1\r\n$H" .
	    "Transfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n" .
	    "0\r\nTrailer: x\r\n\r\n$next", 5);
	@r = responses($out);
	is(join(',', map { $_->{status} } @r), '405,200',
	    'chunked body with extension and trailer, then a GET: 405 and 200');

	for my $case (['17 hex digits', "1" . ('0' x 16) . "\r\n"],
	    ['bad chunk size', "zz\r\nhello\r\n0\r\n\r\n"],
	    ['negative chunk size', "-5\r\nhello\r\n0\r\n\r\n"],
	    ['data longer than its size', "5\r\nhelloXX\r\n0\r\n\r\n"],
	    ['bare CR in the size line', "5\rX\r\nhello\r\n0\r\n\r\n"]) {
		($out, $eof) = exchange("POST /hello.txt HTTP/1.1\r\n$H" .
		    "Transfer-Encoding: chunked\r\n\r\n$case->[1]$next", 5);
		@r = responses($out);
		is(join(',', map { $_->{status} } @r), '400',
		    "chunked, $case->[0]: one 400, nothing else");
		ok($eof, "chunked, $case->[0]: closed");
	}
}

still_serving('at the end');
is($h->stop, 0, 'clean exit on TERM');
done_testing;
