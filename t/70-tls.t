# HTTPS (the tls group), black-box: what hearthd -t says about bad
# settings, then what clients see (curl, openssl s_client, raw sockets)
# of a server with a hearthctl gencert certificate: verification, TLS 1.2
# and 1.3 only, SNI, ALPN, plain HTTP on the port, HSTS, redirect_http,
# bodies byte for byte (ranges, gzip, keep-alive, pipelining), PROXY
# before the handshake, resumption across workers, new ticket keys and
# certificates on a graceful reload, handshake_timeout, the scoreboard's
# tls counters and the access log.
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use IO::Socket::INET;
use IO::Uncompress::Gunzip qw(gunzip $GunzipError);
use JSON::PP;
use POSIX qw(:sys_wait_h);
use Time::HiRes qw(time sleep);
use Hearth qw(wait_until free_port slurp spew raw_request parse_response);

for my $tool (qw(openssl curl)) {
	plan skip_all => "$tool not installed"
	    unless system('sh', '-c', "command -v $tool >/dev/null") == 0;
}

my $HEARTHD = $Hearth::HEARTHD;
my $tmp = tempdir('hearth-tls-XXXXXX', TMPDIR => 1,
    CLEANUP => !$ENV{HEARTH_KEEP});

# ---------------------------------------------------------------- helpers

# Run a command with $in on stdin; stdout and stderr to one file, which
# a server cannot hold open.  (exit code, output).  timeout(1) bounds
# every client, so a server that hangs fails the test, not the suite.
my $nrun = 0;
sub run_in {
	my ($in, @cmd) = @_;
	my $base = "$tmp/run" . $nrun++;
	spew("$base.in", $in // '');
	my $pid = fork // die "fork: $!";
	if ($pid == 0) {
		# _exit: the child must not run the parent's END blocks (and
		# remove its temporary directories)
		open STDIN, '<', "$base.in" or POSIX::_exit(127);
		open STDOUT, '>', "$base.out" or POSIX::_exit(127);
		open STDERR, '>&', \*STDOUT or POSIX::_exit(127);
		{ exec 'timeout', '20', @cmd }
		POSIX::_exit(127);
	}
	waitpid $pid, 0;
	my $rc = $? & 127 ? 128 + ($? & 127) : $? >> 8;
	my $out = slurp("$base.out") // '';
	unlink "$base.in", "$base.out";
	return ($rc, $out);
}

sub run { return run_in('', @_) }

# A self-signed certificate and key for $cn in $dir: openssl req, so
# that this test does not depend on hearthctl gencert, which it tests.
sub mkcert {
	my ($dir, $name, $cn) = @_;
	my ($c, $k) = ("$dir/$name.pem", "$dir/$name.key");
	my ($rc, $out) = run('sh', '-c', 'umask 077 && exec "$@"', 'sh',
	    'openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt',
	    'ec_paramgen_curve:P-256', '-sha256', '-days', '30', '-nodes',
	    '-subj', "/CN=$cn", '-addext', "subjectAltName=DNS:$cn",
	    '-keyout', $k, '-out', $c);
	die "openssl req for $cn: $out" if $rc != 0;
	chmod 0644, $c;
	return ($c, $k);
}

# A certificate that expired in 2020: openssl req cannot date one in
# the past (-days must be positive), openssl ca -selfsign can.
sub mkcert_expired {
	my ($dir) = @_;
	my $ca = "$dir/ca";
	mkdir $ca;
	spew("$ca/index.txt", '');
	spew("$ca/serial", "01\n");
	spew("$ca/ca.cnf", <<"EOF2");
[ca]
default_ca = old
[old]
database = $ca/index.txt
new_certs_dir = $ca
serial = $ca/serial
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
[any]
commonName = supplied
[req]
distinguished_name = dn
prompt = no
[dn]
CN = expired.test
EOF2
	my ($c, $k) = ("$dir/expired.pem", "$dir/expired.key");
	my ($rc, $out) = run('sh', '-c', 'umask 077 && exec "$@"', 'sh',
	    'openssl', 'req', '-new', '-config', "$ca/ca.cnf", '-newkey', 'ec',
	    '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', $k,
	    '-out', "$ca/req.csr");
	die "openssl req: $out" if $rc != 0;
	($rc, $out) = run('openssl', 'ca', '-batch', '-config', "$ca/ca.cnf",
	    '-selfsign', '-keyfile', $k, '-in', "$ca/req.csr", '-out', $c,
	    '-startdate', '20200101000000Z', '-enddate', '20200201000000Z',
	    '-notext');
	die "openssl ca: $out" if $rc != 0;
	return ($c, $k);
}

# The 1-based line of the first line of $text that matches $re.
sub line_of {
	my ($text, $re) = @_;
	my @l = split /\n/, $text;
	for my $i (0 .. $#l) {
		return $i + 1 if $l[$i] =~ $re;
	}
	die "no line matches $re";
}

# ------------------------------------------------- config errors (-t)

{
	my $h = Hearth->start(no_spawn => 1);
	my $root = $h->root;
	my $etc = "$root/etc";
	my ($cert, $key) = mkcert($etc, 'good', 'localhost');
	my (undef, $okey) = mkcert($etc, 'other', 'other.test');
	my ($xcert, $xkey) = mkcert_expired($tmp);

	# a config whose tls group sets @set, one per line
	my $n = 0;
	my $conf_with = sub {
		my (@set) = @_;
		my $tp = free_port();
		my $text = $h->conf_text . "tls = {\n" .
		    "    listen = [ \"127.0.0.1:$tp\" ];\n" .
		    join('', map { "    $_;\n" } @set) . "};\n";
		my $f = "$etc/t" . $n++ . '.conf';
		spew($f, $text);
		return ($f, $text);
	};
	my ($f, $text, $rc, $out);

	($f) = $conf_with->("certificate = \"$cert\"", "key = \"$key\"");
	($rc, $out) = run($HEARTHD, '-f', $f, '-t');
	is($rc, 0, 'a matching certificate and key: -t says Syntax OK')
	    or diag $out;

	($f, $text) = $conf_with->("certificate = \"etc/none.pem\"",
	    "key = \"$key\"");
	($rc, $out) = run($HEARTHD, '-f', $f, '-t');
	isnt($rc, 0, 'a missing certificate is an error');
	like($out, qr{^\Q$f\E:@{[line_of($text, qr/certificate =/)]}: tls: certificate \Q$etc\E/none\.pem: No such file or directory$}m,
	    'at its line, with the system\'s reason (not "system lib")');

	spew("$etc/junk.pem", "not a certificate\n");
	($f, $text) = $conf_with->("certificate = \"etc/junk.pem\"",
	    "key = \"$key\"");
	($rc, $out) = run($HEARTHD, '-f', $f, '-t');
	like($out, qr{^\Q$f\E:\d+: tls: certificate \S+junk\.pem: no start line$}m,
	    'a file with no PEM in it says so (not "PEM lib")');

	($f, $text) = $conf_with->("certificate = \"$cert\"", "key = \"$okey\"");
	($rc, $out) = run($HEARTHD, '-f', $f, '-t');
	isnt($rc, 0, 'a key that does not match: -t fails');
	like($out, qr{^\Q$f\E:@{[line_of($text, qr/^\s*key =/)]}: tls: key \Q$okey\E does not match certificate \Q$cert\E$}m,
	    'at the line of key');
	($rc, $out) = run($HEARTHD, '-f', $f, '-D', 'FOREGROUND');
	is($rc, 1, 'and hearthd does not start with it');
	like($out, qr{does not match certificate}, 'saying why');

	# the line of the SNI entry's own key
	($f, $text) = $conf_with->("certificate = \"$cert\"",
	    "key = \"$key\"", "sni = ( {\n        name = \"other.test\";\n" .
	    "        certificate = \"$cert\";\n" .
	    "        key = \"$okey\";\n    } )");
	($rc, $out) = run($HEARTHD, '-f', $f, '-t');
	like($out, qr{^\Q$f\E:@{[line_of($text, qr/^\s*key = "\Q$okey\E"/)]}: tls sni: key \Q$okey\E does not match certificate}m,
	    'an SNI entry\'s mismatch is at its own key line');

	my ($rcp, $pout) = run('openssl', 'pkey', '-in', $key, '-aes128',
	    '-passout', 'pass:secret', '-out', "$etc/enc.key");
	die "openssl pkey: $pout" if $rcp != 0;
	chmod 0600, "$etc/enc.key";
	($f, $text) = $conf_with->("certificate = \"$cert\"",
	    "key = \"etc/enc.key\"");
	($rc, $out) = run($HEARTHD, '-f', $f, '-t');
	like($out, qr{^\Q$f\E:@{[line_of($text, qr/^\s*key =/)]}: tls: key \S+enc\.key: .*\(a key with a passphrase cannot be used\)$}m,
	    'a key with a passphrase: says it cannot be used');

	($f, $text) = $conf_with->("certificate = \"$xcert\"",
	    "key = \"$xkey\"");
	($rc, $out) = run($HEARTHD, '-f', $f, '-t');
	isnt($rc, 0, 'an expired certificate: -t fails');
	like($out, qr{^\Q$f\E:@{[line_of($text, qr/certificate =/)]}: tls: certificate expired on Feb  1 00:00:00 2020 GMT$}m,
	    'at the line of certificate, with the date');

	for my $m ([0644, 'others'], [0640, 'its group']) {
		my ($mode, $who) = @$m;
		chmod $mode, $key;
		($f, $text) = $conf_with->("certificate = \"$cert\"",
		    "key = \"$key\"");
		($rc, $out) = run($HEARTHD, '-f', $f, '-t');
		isnt($rc, 0, sprintf('a key of mode %04o: -t fails', $mode));
		like($out, qr{^\Q$f\E:@{[line_of($text, qr/^\s*key =/)]}: tls: key \Q$key\E can be read by \Q$who\E \(mode 0\d+\): chmod 600 it$}m,
		    "names who can read it ($who)");
	}
	chmod 0600, $key;

	($f, $text) = $conf_with->("certificate = \"$cert\"",
	    "key = \"$key\"", 'protocols = "TLSv1.1 TLSv1.2"');
	($rc, $out) = run($HEARTHD, '-f', $f, '-t');
	isnt($rc, 0, 'TLSv1.1 in protocols: an error');
	like($out, qr{^\Q$f\E:@{[line_of($text, qr/protocols =/)]}: tls protocol TLSv1\.1 is not offered: it is no longer secure \(RFC 8996\)}m,
	    'at the line of protocols, citing RFC 8996');
	($f, $text) = $conf_with->("certificate = \"$cert\"",
	    "key = \"$key\"", 'protocols = "TLSv1.0"');
	($rc, $out) = run($HEARTHD, '-f', $f, '-t');
	like($out, qr{tls protocol TLSv1\.0 is not offered}, 'TLSv1.0 too');
}

# ---------------------------------------------------------------- a server

my $ctl = $ENV{HEARTHCTL} // "$ENV{HEARTH_BUILDDIR}/src/hearthctl";
$ENV{HEARTHD} //= $HEARTHD;

my $big = do {
	open my $fh, '<:raw', '/dev/urandom' or die "urandom: $!";
	read($fh, my $d, 3 << 20) == 3 << 20 or die 'short read';
	$d;
};
my $text = join '', map { "line $_ of a text file that compresses well\n" }
    1 .. 5000;
my $tport = free_port();		# HTTPS
my $pport = free_port();		# HTTPS after a PROXY header
my $h = Hearth->start(workers => 2, no_spawn => 1, files => {
	'htdocs/hello.txt' => "hello over tls\n",
	'htdocs/big.bin' => $big,
	'htdocs/text.txt' => $text,
	'cgi-bin/env.cgi' => "#!/bin/sh\nn=\$(wc -c)\nprintf " .
	    "'Content-Type: text/plain\\n\\n%s %s/%s\\n' \"\$n\" " .
	    "\"\$REQUEST_SCHEME\" \"\${HTTPS:-none}\"\n",
    }, conf => <<"EOF2");
# (Hearth.pm drops a base line whose key starts an extra line, indented
# or not: tls.listen stays on the line of tls)
admin = { };
health = { };
cgi = ( { url = "/cgi-bin/"; dir = "cgi-bin"; } );
limits = { body = 4194304; };
remote_ip = {
    proxy_protocol = [ "127.0.0.1:$pport" ];
    trusted = [ "127.0.0.1/32" ];
};
tls = { listen = [ "127.0.0.1:$tport", "127.0.0.1:$pport" ];
    hsts = 31536000;
    redirect_http = true;
    handshake_timeout = 1;
    sni = (
        { name = "a.example"; certificate = "etc/tls/a.pem";
          key = "etc/tls/a.key"; },
        { name = "*.wild.example"; certificate = "etc/tls/w.pem";
          key = "etc/tls/w.key"; }
    );
};
EOF2
my $root = $h->root;
my $cert = "$root/etc/tls/cert.pem";
my ($rc, $out) = run($ctl, '-f', $h->conf_path, 'gencert');
is($rc, 0, 'hearthctl gencert makes the default certificate') or diag $out;
mkcert("$root/etc/tls", 'a', 'a.example');
mkcert("$root/etc/tls", 'w', '*.wild.example');
chmod 0755, "$root/cgi-bin", "$root/cgi-bin/env.cgi";
$h->_spawn;

# openssl s_client to the TLS port (or another), $in on its stdin
sub s_client {
	my ($in, @args) = @_;
	my $port = @args && $args[0] =~ /^\d+$/ ? shift @args : $tport;
	return run_in($in, 'openssl', 's_client', '-connect',
	    "127.0.0.1:$port", @args);
}

# The subject CN of the certificate s_client was shown.
sub served_cn {
	my ($o) = @_;
	return $o =~ /^subject=.*?CN ?= ?([^\s,\/]+)/m ? $1 : '';
}

# The certificate s_client was shown, base64 only.
sub served_pem {
	my ($o) = @_;
	return $o =~ /-----BEGIN CERTIFICATE-----\n(.*?)-----END/s ? $1 : '';
}

sub file_pem { return served_pem(slurp($_[0]) // '') }

# curl over HTTPS: (status, {headers}, body, "verify-result http-version")
our $curl_may_fail = 0;
sub curl {
	my (@args) = @_;
	unlink "$tmp/curl.h", "$tmp/curl.b";
	my ($c, $o) = run('curl', '-sS', '--cacert', $cert, '-D',
	    "$tmp/curl.h", '-o', "$tmp/curl.b", '-w',
	    '%{http_code} %{ssl_verify_result} %{http_version}', @args);
	diag "curl @args: $o" if $c != 0 && !$curl_may_fail;
	my ($status, $verify, $ver) = split ' ', $o;
	my (undef, $hd) = parse_response((slurp("$tmp/curl.h") // '')
	    =~ s/.*(?=HTTP\/1\.1 )//sr);
	return ($c == 0 ? $status : 0, $hd, slurp("$tmp/curl.b") // '',
	    "$verify $ver");
}

sub api {
	my ($st, undef, $body) = $h->get('/api/status');
	return $st == 200 ? eval { decode_json($body) } : undef;
}

my $GET = "GET /hello.txt HTTP/1.1\r\nHost: localhost\r\n" .
    "Connection: close\r\n\r\n";

# --- a browser-like client with the gencert certificate
my ($st, $hd, $body, $info) = curl("https://localhost:$tport/hello.txt");
is($st, 200, 'curl --cacert <gencert certificate> https://localhost:PORT/');
is($body, "hello over tls\n", 'the file');
is($info, '0 1.1', 'verified, and ALPN chose HTTP/1.1 over curl\'s h2');
($st) = curl("https://127.0.0.1:$tport/hello.txt");
is($st, 200, 'https://127.0.0.1 verifies too (IP in subjectAltName)');
(undef, $out) = s_client('', '-CAfile', $cert, '-verify_return_error',
    '-verify_hostname', 'localhost', '-servername', 'localhost');
like($out, qr/Verify return code: 0 \(ok\)/, 'openssl s_client verifies it');

# --- protocols
for my $v (qw(tls1_2 tls1_3)) {
	(my $name = $v) =~ s/tls1_(\d)/TLSv1.$1/;
	($rc, $out) = s_client('', "-$v");
	# (the SSL-Session block waits for a TLS 1.3 ticket: not this line)
	like($out, qr/^New, \Q$name\E, Cipher is (?!\(NONE\))\S+$/m,
	    "$name accepted, with a cipher");
}
my $old_client = 1;
for my $v (qw(tls1 tls1_1)) {
	(my $name = $v) =~ s/tls1_?/TLSv1./;
	$name =~ s/\.$/.0/;
	# the client's own floor (Debian's SECLEVEL=2) must not refuse first
	($rc, $out) = s_client('', "-$v", '-cipher', 'DEFAULT@SECLEVEL=0');
	SKIP: {
		if ($out =~ /no protocols available|unsupported protocol/i) {
			$old_client = 0;
			skip "this openssl cannot even offer $name", 2;
		}
		isnt($rc, 0, "$name refused");
		like($out, qr/alert protocol version.*SSL alert number 70/,
		    "with a protocol_version alert (RFC 8996)");
	}
}

# --- SNI
for my $c (['a.example', 'a.example'], ['x.wild.example', '*.wild.example'],
    ['a.b.wild.example', 'localhost'], ['wild.example', 'localhost'],
    ['unknown.example', 'localhost']) {
	my ($name, $cn) = @$c;
	(undef, $out) = s_client('', '-servername', $name);
	is(served_cn($out), $cn, "SNI $name gets the certificate for $cn");
}
(undef, $out) = s_client('', '-noservername');
is(served_cn($out), 'localhost', 'no SNI gets the default certificate');

# --- ALPN (RFC 7301)
(undef, $out) = s_client('', '-alpn', 'http/1.1');
like($out, qr{^ALPN protocol: http/1\.1$}m, 'ALPN http/1.1 negotiated');
(undef, $out) = s_client('', '-alpn', 'h2,http/1.1');
like($out, qr{^ALPN protocol: http/1\.1$}m, 'h2,http/1.1: http/1.1');
($rc, $out) = s_client('', '-alpn', 'h2');
like($out, qr/alert no application protocol.*SSL alert number 120/,
    'h2 alone: no_application_protocol alert');
unlike($out, qr/^ALPN protocol:/m, 'and nothing negotiated');

# --- plain HTTP sent to the HTTPS port
my $t0 = time;
my $resp = raw_request($tport,
    "GET /hello.txt HTTP/1.1\r\nHost: localhost\r\n\r\n");
my ($pst, $phd, $pbody) = parse_response($resp);
is($pst, 400, 'plain HTTP on the HTTPS port: 400');
is($pbody, "This port speaks HTTPS only: use an https:// address.\n",
    'with a sentence that says so');
is(lc($phd->{connection} // ''), 'close', 'Connection: close');
ok(time - $t0 < 3, 'and the server closes (no keep-alive)');
ok(!exists $phd->{'strict-transport-security'}, 'no HSTS on plain HTTP');
ok($h->error_log_like(qr/plain HTTP request on the HTTPS port/),
    'logged at info');

# --- HSTS (RFC 6797 section 7.2: over a secure transport only)
($st, $hd) = curl("https://localhost:$tport/hello.txt");
is($hd->{'strict-transport-security'}, 'max-age=31536000',
    'HSTS over TLS with tls.hsts');
my ($hst, $hhd) = $h->get('/healthz');
is($hst, 200, 'the health path over plain HTTP');
ok(!exists $hhd->{'strict-transport-security'}, 'has no HSTS');

# --- redirect_http: 301 for GET and HEAD, 308 keeps a POST a POST
my $port = $h->port;
$resp = raw_request($port, "GET /a/b?x=1&y=2 HTTP/1.1\r\n" .
    "Host: localhost:$port\r\nConnection: close\r\n\r\n");
my ($rst, $rhd) = parse_response($resp);
is($rst, 301, 'plain GET with redirect_http: 301');
is($rhd->{location}, "https://localhost:$tport/a/b?x=1&y=2",
    'to https on the TLS port, same host, path and query');
ok(!exists $rhd->{'strict-transport-security'}, 'no HSTS on the redirect');
$resp = raw_request($port, "HEAD /x HTTP/1.1\r\nHost: [::1]:$port\r\n" .
    "Connection: close\r\n\r\n");
($rst, $rhd) = parse_response($resp);
is($rst, 301, 'HEAD: 301');
is($rhd->{location}, "https://[::1]:$tport/x", 'an IPv6 Host keeps brackets');
$resp = raw_request($port, "POST /form?q=1 HTTP/1.1\r\nHost: localhost\r\n" .
    "Content-Length: 3\r\nConnection: close\r\n\r\na=1");
($rst, $rhd) = parse_response($resp);
is($rst, 308, 'POST: 308');
is($rhd->{location}, "https://localhost:$tport/form?q=1", 'same location');
$resp = raw_request($port, "GET /old HTTP/1.0\r\n\r\n");
($rst, $rhd) = parse_response($resp);
is($rhd->{location}, "https://127.0.0.1:$tport/old",
    'no Host: the address the client reached');
($rst) = $h->get('/hello.txt', headers => { 'X-Forwarded-Proto' => 'https' });
is($rst, 200, 'X-Forwarded-Proto: https from a trusted proxy: no loop');
($st, $hd, $body) = curl('-L', "http://localhost:$port/hello.txt");
is("$st $body", "200 hello over tls\n",
    'curl -L follows the redirect to HTTPS and verifies');

# --- bodies: byte-exact, in records, with EAGAIN on the way
($st, $hd, $body) = curl("https://localhost:$tport/big.bin");
is($st, 200, '3 MiB over TLS');
ok($body eq $big, 'byte-identical');
($st, $hd, $body) = curl('--limit-rate', '4M',
    "https://localhost:$tport/big.bin");
ok($st == 200 && $body eq $big,
    'byte-identical to a slow reader (the server waits to write)');
($st, $hd, $body) = curl('-r', '1000000-1000099',
    "https://localhost:$tport/big.bin");
is($st, 206, 'a range over TLS: 206');
is($hd->{'content-range'}, 'bytes 1000000-1000099/3145728', 'Content-Range');
ok($body eq substr($big, 1000000, 100), 'the bytes of the range');
($st, $hd, $body) = curl('-r', '-70000', "https://localhost:$tport/big.bin");
ok($st == 206 && $body eq substr($big, -70000),
    'a suffix range across several records');
($st, $hd, $body) = curl('-H', 'Accept-Encoding: gzip',
    "https://localhost:$tport/text.txt");
is($hd->{'content-encoding'}, 'gzip', 'gzip over TLS');
my $plain;
gunzip(\$body => \$plain) or diag "gunzip: $GunzipError";
ok(defined $plain && $plain eq $text, 'decompresses to the file');
(undef, $out) = run('curl', '-sS', '--cacert', $cert, '-w',
    ' %{num_connects}', "https://localhost:$tport/hello.txt",
    "https://localhost:$tport/hello.txt");
is($out, "hello over tls\n 1hello over tls\n 0",
    'keep-alive: two requests, one connection');
# pipelined: the second and third request are in OpenSSL's buffer, not
# the socket's, when the first is answered
(undef, $out) = s_client("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n" .
    "GET /text.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=0-4\r\n\r\n" .
    "GET /hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    '-quiet', '-ign_eof');
my @st = $out =~ m{HTTP/1\.1 (\d{3}) }g;
is("@st", '200 206 200', 'three pipelined requests, three responses');
like($out, qr{\r\n\r\nhello over tls\nHTTP/1\.1 206 .*?\r\n\r\nline HTTP/1\.1 200 .*?\r\n\r\nhello over tls\n\z}s,
    'each with its body, in order');

# --- CGI over TLS: the body in, the output out, and the scheme
spew("$tmp/upload", substr($big, 0, 1000000));
($st, $hd, $body) = curl('--data-binary', "\@$tmp/upload",
    "https://localhost:$tport/cgi-bin/env.cgi");
is("$st $body", "200 1000000 https/on\n",
    'a CGI gets a 1 MB body over TLS, REQUEST_SCHEME=https and HTTPS=on');
($st, $hd, $body) = curl('-H', 'Expect:', '--data-binary', "\@$tmp/upload",
    "https://localhost:$tport/cgi-bin/env.cgi");
is("$st $body", "200 1000000 https/on\n", 'also without Expect: 100-continue');
# (X-Forwarded-Proto from a trusted peer: not redirected to https)
($st, $hd, $body) = curl('-H', 'X-Forwarded-Proto: https',
    "http://localhost:@{[$h->port]}/cgi-bin/env.cgi");
is("$st $body", "200 0 http/none\n",
    'plain HTTP: REQUEST_SCHEME=http and no HTTPS');

# --- PROXY protocol v1 before the handshake
sub proxy_relay {
	my ($to, $header) = @_;
	my $l = IO::Socket::INET->new(LocalAddr => '127.0.0.1',
	    LocalPort => 0, Listen => 5, Proto => 'tcp') or die "relay: $!";
	my $pid = fork // die "fork: $!";
	if ($pid == 0) {
		while (my $c = $l->accept) {
			my $u = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
			    PeerPort => $to, Proto => 'tcp') or next;
			syswrite $u, $header;
			my $rin = '';
			vec($rin, fileno($_), 1) = 1 for $c, $u;
			PUMP: while (select(my $r = $rin, undef, undef, 10) > 0) {
				for my $p ([$c, $u], [$u, $c]) {
					next unless vec($r, fileno($p->[0]), 1);
					my $n = sysread($p->[0], my $buf, 65536);
					last PUMP unless $n;
					defined syswrite($p->[1], $buf) or last PUMP;
				}
			}
			close $c;
			close $u;
		}
		POSIX::_exit(0);
	}
	return ($pid, $l->sockport);
}
my ($relay, $rport) = proxy_relay($pport,
    "PROXY TCP4 192.0.2.77 127.0.0.1 40000 $pport\r\n");
($st, $hd, $body) = curl("https://localhost:$rport/hello.txt?proxied");
is("$st $body", "200 hello over tls\n",
    'PROXY v1, then a TLS handshake, then a request');
ok(wait_until(sub { grep { m{^192\.0\.2\.77 .*"GET /hello\.txt\?proxied } }
    $h->access_lines }, 5), 'the access log shows the PROXY source address');
kill 'TERM', $relay;
waitpid $relay, 0;
{
	local $curl_may_fail = 1;
	($st) = curl("https://localhost:$pport/hello.txt");
}
is($st, 0, 'a handshake without the PROXY header on that port fails');
ok($h->error_log_like(qr/bad PROXY protocol header/), 'and is logged');


# --- session resumption: tickets sealed with keys every worker shares
# (made by the master before it forks), so a resumption works whichever
# worker the kernel hands the connection to

# Requests per worker pid, and which worker answered this very request.
sub worker_counts {
	my $j = api() or return;
	my ($me) = map { $_->{pid} } grep {
	    ($_->{current_request} // '') =~ m{^GET /api/status } }
	    @{ $j->{workers} };
	return ({ map { $_->{pid} => $_->{requests} } @{ $j->{workers} } },
	    $me // 0);
}

# Run $do (which makes TLS requests and returns how many) until both
# workers have answered at least one of them; false if they never do.
# The status requests that take the counts are counted too, once they
# are done: each names the worker that answered it, which is subtracted.
sub on_both_workers {
	my ($do) = @_;
	my ($c0, $me) = worker_counts() or return 0;
	my %status = ($me => 1);	# status requests since $c0, per worker
	my $n = 0;
	my $snap = sub {
		my ($c, $pid) = worker_counts() or return 0;
		my %tls = map { $_ => $c->{$_} - ($c0->{$_} // 0) -
		    ($status{$_} // 0) } keys %$c;
		$status{$pid}++;
		my $sum = 0;
		$sum += $_ for values %tls;
		return $sum == $n ? \%tls : 0;
	};
	for (1 .. 10) {
		$n += $do->();
		my $tls = wait_until($snap, 5) or return 0;
		note 'requests per worker: ', join ', ', map { "$_ => $tls->{$_}" }
		    sort keys %$tls;
		return 1 if (grep { $_ > 0 } values %$tls) >= 2;
	}
	return 0;
}

for my $v (qw(tls1_2 tls1_3)) {
	(my $name = $v) =~ s/tls1_(\d)/TLSv1.$1/;
	my $sess = "$tmp/$v.sess";
	unlink $sess;
	(undef, $out) = s_client($GET, "-$v", '-ign_eof', '-sess_out', $sess);
	like($out, qr/^New, \Q$name\E/m, "$name: a full handshake");
	ok(-s $sess, 'and a session (ticket) saved');
	my ($tries, $reused) = (0, 0);
	my $both = on_both_workers(sub {
		for (1 .. 4) {
			(undef, $out) = s_client($GET, "-$v", '-ign_eof',
			    '-sess_in', $sess);
			$tries++;
			$reused++ if $out =~ /^Reused, \Q$name\E/m &&
			    $out =~ m{^HTTP/1\.1 200 }m;
		}
		return 4;
	});
	is($reused, $tries, "$name: all $tries resumptions were Reused");
	ok($both, "$name: and they were answered by both workers");
}

# --- a graceful reload draws new ticket keys: old sessions do not resume
sub reload {
	my @old = $h->worker_pids;
	my $gen = $h->generation;
	$h->signal('USR1');
	return wait_until(sub {
		my @now = $h->worker_pids;
		my %old = map { $_ => 1 } @old;
		return ($h->generation // 0) == $gen + 1 && @now == 2 &&
		    !grep { $old{$_} } @now;
	}, 10);
}
my $sess = "$tmp/tls1_3.sess";
ok(reload(), 'graceful reload (USR1): a new generation of workers');
(undef, $out) = s_client($GET, '-tls1_3', '-ign_eof', '-sess_in', $sess);
like($out, qr/^New, TLSv1\.3/m, 'a session from before it is not resumed');
unlike($out, qr/^Reused/m, 'not Reused');
like($out, qr{^HTTP/1\.1 200 }m, 'but the full handshake serves');

# --- a graceful reload reads the certificates again
my $old_pem = file_pem($cert);
($rc, $out) = run($ctl, '-f', $h->conf_path, 'gencert', '-f');
is($rc, 0, 'gencert -f replaces the certificate') or diag $out;
my $new_pem = file_pem($cert);
isnt($new_pem, $old_pem, 'with a new one');
(undef, $out) = s_client('');
is(served_pem($out), $old_pem, 'the old one is served until the reload');
ok(reload(), 'graceful reload');
ok(wait_until(sub {
	(undef, $out) = s_client('');
	return served_pem($out) eq $new_pem;
}, 10), 'the new certificate is served');
($st, undef, undef, $info) = curl("https://localhost:$tport/hello.txt");
is("$st $info", '200 0 1.1', 'and curl --cacert verifies it');

# --- handshake_timeout: silence, half a ClientHello, a trickle
{
	my %s;
	for my $k (qw(silent half trickle)) {
		$s{$k} = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
		    PeerPort => $tport, Proto => 'tcp') or die "connect: $!";
	}
	# a record header that promises 200 bytes, and the first of them
	my $hello = "\x16\x03\x01\x00\xc8\x01\x00\x00\xc4\x03\x03" .
	    ("\x5a" x 32);
	syswrite $s{half}, $hello;
	my @trickle = split //, $hello;
	my $t0 = time;
	my %closed;
	my $next = $t0;
	while (keys %closed < 3 && time - $t0 < 8) {
		if (!$closed{trickle} && @trickle && time >= $next) {
			syswrite $s{trickle}, shift @trickle;
			$next = time + 0.2;
		}
		my $rin = '';
		vec($rin, fileno($s{$_}), 1) = 1 for grep { !$closed{$_} } keys %s;
		select(my $r = $rin, undef, undef, 0.05);
		for my $k (grep { !$closed{$_} } keys %s) {
			next unless vec($r, fileno($s{$k}), 1);
			my $n = sysread($s{$k}, my $buf, 4096);
			$closed{$k} = time - $t0 if !$n;
		}
	}
	# The kernel hands a silent connection to hearthd after its
	# TCP_DEFER_ACCEPT second; the clock starts then.
	for my $k (qw(silent half trickle)) {
		ok(defined $closed{$k} && $closed{$k} >= 0.9 &&
		    $closed{$k} < ($k eq 'silent' ? 5 : 3),
		    "$k: closed after handshake_timeout (1 s)")
		    or diag "$k: " . ($closed{$k} // 'not closed');
	}
	ok($h->error_log_like(qr/TLS handshake timed out after 1 s/),
	    'logged');
}

# --- the scoreboard counts handshakes, resumptions, failures, requests
{
	my $j0 = api();
	my %want = (requests => 0, handshakes => 0, resumed => 0,
	    failed => 0);
	curl("https://localhost:$tport/hello.txt") for 1 .. 2;
	$want{handshakes} += 2;
	$want{requests} += 2;
	run('curl', '-sS', '--cacert', $cert, '-o', '/dev/null', '-o',
	    '/dev/null', "https://localhost:$tport/hello.txt",
	    "https://localhost:$tport/hello.txt");
	$want{handshakes} += 1;
	$want{requests} += 2;
	unlink $sess;
	s_client($GET, '-tls1_3', '-ign_eof', '-sess_out', $sess);
	s_client($GET, '-tls1_3', '-ign_eof', '-sess_in', $sess) for 1 .. 2;
	$want{handshakes} += 3;
	$want{resumed} += 2;
	$want{requests} += 3;
	s_client('', '-alpn', 'h2');
	# a ClientHello of length 0: decode_error
	raw_request($tport, "\x16\x03\x01\x00\x04\x01\x00\x00\x00", 3);
	$want{failed} += 2;
	raw_request($tport, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
	my %got;
	wait_until(sub {
		my $j = api() or return 0;
		%got = map { $_ => $j->{tls}{$_} - $j0->{tls}{$_} } keys %want;
		return !grep { $got{$_} != $want{$_} } keys %want;
	}, 5);
	is_deeply(\%got, \%want, '/api/status tls: requests, handshakes, ' .
	    'resumed and failed count exactly (plain HTTP on the port: none)');
	my (undef, undef, $auto) = $h->get('/server-status?auto');
	like($auto, qr/^TLSHandshakes: \d+$/m, '?auto has TLSHandshakes');
}

# --- the access log: TLS requests in the combined format, unchanged
{
	my $ua = "tls-log-test/1.0";
	curl('-A', $ua, "https://localhost:$tport/hello.txt?log=1");
	my @l;
	wait_until(sub { @l = grep { /\Q$ua\E/ } $h->access_lines }, 5);
	is(scalar @l, 1, 'the request is logged once');
	my @f = ($l[0] // '') =~ $Hearth::COMBINED_RE;
	ok(@f, 'in the combined format') or diag $l[0];
	is("$f[0] $f[4] $f[5] $f[6] $f[8]",
	    "127.0.0.1 GET /hello.txt?log=1 HTTP/1.1 200 15 $ua",
	    'host, request, status, bytes and User-Agent');
	my @bad = grep { $_ !~ $Hearth::COMBINED_RE } $h->access_lines;
	is(scalar @bad, 0, 'every line is combined') or diag "@bad";
}

# --- tls.request_log (logs/ssl_request_log), mod_ssl's SSLRequestLog
# example: [%t] %h %{SSL_PROTOCOL}x %{SSL_CIPHER}x "%r" %b
SKIP: {
	my $rl = "$root/logs/ssl_request_log";
	skip 'tls.request_log is not written by this hearthd', 4
	    unless -e $rl;
	my $t = '\[\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\]';
	ok(wait_until(sub { (slurp($rl) // '') =~
	    m{^$t 127\.0\.0\.1 TLSv1\.[23] [A-Z0-9_-]+ "GET /hello\.txt\?log=1 HTTP/1\.1" 15$}m },
	    5), 'tls.request_log: time, client, protocol, cipher, request, ' .
	    'bytes') or diag slurp($rl);
	like(slurp($rl), qr{^$t 192\.0\.2\.77 TLSv1\.[23] \S+ "GET /hello\.txt\?proxied }m,
	    'the PROXY source as the client');
	unlike(slurp($rl), qr{/healthz|/api/status|/a/b\?x=1},
	    'no plain HTTP request in it');
	my @bad = grep { !m{^$t \S+ TLSv1\.[23] \S+ ".*" (\d+|-)$} }
	    split /\n/, slurp($rl);
	is(scalar @bad, 0, 'every line in that format') or diag "@bad";
}

ok($h->alive, 'the server survived it all');
is($h->stop, 0, 'and stops cleanly');

# --- protocols = "TLSv1.3": 1.2 is refused
{
	my $tp = free_port();
	my $h3 = Hearth->start(no_spawn => 1, conf =>
	    "tls = { listen = [ \"127.0.0.1:$tp\" ]; protocols = \"TLSv1.3\"; };\n");
	($rc, $out) = run($ctl, '-f', $h3->conf_path, 'gencert');
	is($rc, 0, 'gencert for a TLS 1.3-only server') or diag $out;
	$h3->_spawn;
	($rc, $out) = s_client('', $tp, '-tls1_2');
	like($out, qr/alert protocol version.*SSL alert number 70/,
	    'protocols = "TLSv1.3" refuses TLS 1.2 (protocol_version)');
	($rc, $out) = s_client('', $tp, '-tls1_3');
	like($out, qr/^New, TLSv1\.3, /m, 'and takes TLS 1.3');
	is($h3->stop, 0, 'stops cleanly');
}

# --- redirect_http never asks for an admin password in the clear, except
# from this machine (hearthctl status reads the plain port)
SKIP: {
	skip 'htpasswd (apache2-utils) not installed', 3
	    unless system('sh', '-c', 'command -v htpasswd >/dev/null') == 0;
	my $tp = free_port();
	my $ha = Hearth->start(no_spawn => 1, conf => <<"EOF3");
admin = { htpasswd = "etc/htpasswd"; allow = [ "0.0.0.0/0", "::/0" ]; };
remote_ip = { trusted = [ "127.0.0.1/32" ]; };
tls = { listen = [ "127.0.0.1:$tp" ]; redirect_http = true; };
EOF3
	system('htpasswd', '-bcB', '-C', '5', $ha->root . '/etc/htpasswd',
	    'admin', 's3cret') == 0 or die;
	($rc, $out) = run($ctl, '-f', $ha->conf_path, 'gencert');
	is($rc, 0, 'gencert for the admin server') or diag $out;
	$ha->_spawn;
	my ($sa, $hda) = $ha->get('/server-status',
	    headers => { 'X-Forwarded-For' => '203.0.113.9' });
	is("$sa " . ($hda->{location} // ''),
	    "301 https://localhost:$tp/server-status",
	    'a remote client is sent to https before any password');
	($sa) = $ha->get('/server-status');
	is($sa, 401, 'a local one is asked for it on the plain port');
	is($ha->stop, 0, 'stops cleanly');
}

done_testing;
