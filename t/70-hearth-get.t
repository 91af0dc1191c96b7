#!/usr/bin/perl
# Black-box tests of hearth-get against scripted fake servers.  Each fake
# server is a forked child in its own process group listening on
# 127.0.0.1 port 0; it forks once per connection.  Every wait has a
# deadline, and only the process groups we forked are killed.
use strict;
use warnings;

use File::Temp qw(tempdir);
use IO::Socket::INET;
use POSIX qw(WNOHANG _exit setpgid);
use Test::More;
use Time::HiRes qw(time);

my $bin = $ENV{HEARTH_GET} //
    (($ENV{HEARTH_BUILDDIR} // '.') . '/src/hearth-get');
plan skip_all => "$bin not built" unless -x $bin;

my $dir = tempdir(CLEANUP => 1);
my @servers;

$SIG{PIPE} = 'IGNORE';

sub slurp {
	my ($f) = @_;
	open(my $fh, '<:raw', $f) or return '';
	local $/;
	my $s = <$fh>;
	return $s // '';
}

sub spew {
	my ($f, $data) = @_;
	open(my $fh, '>:raw', $f) or die "$f: $!";
	print $fh $data;
	close($fh) or die "$f: $!";
}

# Read one request off a connection: { method, path, headers, body }.
sub read_req {
	my ($conn) = @_;
	while ($conn->{buf} !~ /\r\n\r\n/) {
		my $n = sysread($conn->{sock}, $conn->{buf}, 65536,
		    length $conn->{buf});
		return undef unless $n;
	}
	$conn->{buf} =~ s/^(.*?)\r\n\r\n//s;
	my ($line, @fields) = split /\r\n/, $1;
	my ($method, $path) = split / /, $line;
	my %h = map { /^([^:]+):\s*(.*)$/ ? (lc $1, $2) : () } @fields;
	my $len = $h{'content-length'} // 0;
	while (length $conn->{buf} < $len) {
		my $n = sysread($conn->{sock}, $conn->{buf}, 65536,
		    length $conn->{buf});
		return undef unless $n;
	}
	my $body = substr($conn->{buf}, 0, $len, '');
	return { method => $method, path => $path, headers => \%h,
	    body => $body };
}

sub send_all {
	my ($conn, $data) = @_;
	my $off = 0;
	while ($off < length $data) {
		my $n = syswrite($conn->{sock}, $data, length($data) - $off, $off);
		return 0 unless $n;
		$off += $n;
	}
	return 1;
}

# Start a fake server; $handler->($conn, $number) serves one connection.
sub fake_port {
	my ($handler) = @_;
	my $ls = IO::Socket::INET->new(LocalAddr => '127.0.0.1',
	    LocalPort => 0, Listen => 64, Proto => 'tcp', ReuseAddr => 1)
	    or die "listen: $!";
	my $port = $ls->sockport;
	my $pid = fork // die "fork: $!";
	if ($pid == 0) {
		setpgid(0, 0);
		alarm(120);
		my $n = 0;
		while (1) {
			my $s = $ls->accept or next;
			$n++;
			my $kid = fork // die;
			if ($kid == 0) {
				close $ls;
				$handler->({ sock => $s, buf => '' }, $n);
				close $s;
				_exit(0);
			}
			close $s;
			1 while waitpid(-1, WNOHANG) > 0;
		}
	}
	setpgid($pid, $pid);
	close $ls;
	push @servers, $pid;
	return $port;
}

# Serve requests with $respond->($req, $conn_no, $req_no) until EOF.
sub serve {
	my ($respond) = @_;
	return fake_port(sub {
		my ($conn, $n) = @_;
		my $k = 0;
		while (my $req = read_req($conn)) {
			my $resp = $respond->($req, $n, ++$k);
			last unless defined $resp && send_all($conn, $resp);
		}
	});
}

sub ok200 {
	my ($body, @extra) = @_;
	return join('', "HTTP/1.1 200 OK\r\n", map({ "$_\r\n" } @extra),
	    "Content-Length: " . length($body) . "\r\n\r\n", $body);
}

# Run hearth-get with a deadline; returns rc, out, err, secs.
sub run_get {
	my (@args) = @_;
	my $limit = 30;
	$limit = ${ shift @args } if ref $args[0] eq 'SCALAR';
	my ($out, $err) = ("$dir/stdout", "$dir/stderr");
	my $t0 = time;
	my $pid = fork // die "fork: $!";
	if ($pid == 0) {
		open(STDOUT, '>', $out) or _exit(127);
		open(STDERR, '>', $err) or _exit(127);
		exec($bin, @args) or _exit(127);
	}
	my $st;
	while (1) {
		if (waitpid($pid, WNOHANG) == $pid) {
			$st = $?;
			last;
		}
		if (time - $t0 > $limit) {
			kill('KILL', $pid);
			waitpid($pid, 0);
			$st = -1;
			last;
		}
		select(undef, undef, undef, 0.01);
	}
	my $rc = $st == -1 ? 'hung' : ($st & 127) ? 'signal ' . ($st & 127) :
	    $st >> 8;
	return { rc => $rc, out => slurp($out), err => slurp($err),
	    secs => time - $t0 };
}

sub stop_servers {
	for my $pid (@servers) {
		kill('TERM', -$pid);
	}
	my $t0 = time;
	for my $pid (@servers) {
		while (waitpid($pid, WNOHANG) == 0) {
			if (time - $t0 > 5) {
				kill('KILL', -$pid);
				waitpid($pid, 0);
				last;
			}
			select(undef, undef, undef, 0.01);
		}
	}
	@servers = ();
}
END { stop_servers() }

my $r;

# ------------------------------------------------------------ framing
my $p = serve(sub { ok200('hello') });
$r = run_get('127.0.0.1', $p, '/');
is($r->{rc}, 0, 'Content-Length: exit 0');
is($r->{out}, 'hello', 'Content-Length: body');

$p = serve(sub {
	"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" .
	"5;name=val\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n" });
$r = run_get('127.0.0.1', $p, '/', '/');
is($r->{rc}, 0, 'chunked: exit 0');
is($r->{out}, 'hello worldhello world', 'chunked with ext and trailers, twice');

$p = fake_port(sub {
	my ($c) = @_;
	read_req($c);
	send_all($c, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil close");
});
$r = run_get('127.0.0.1', $p, '/');
is_deeply([$r->{rc}, $r->{out}], [0, 'until close'], 'close-delimited');

$p = fake_port(sub {
	my ($c) = @_;
	read_req($c);
	send_all($c, "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nold");
});
$r = run_get('127.0.0.1', $p, '/');
is_deeply([$r->{rc}, $r->{out}], [0, 'old'], 'HTTP/1.0 response');

$p = serve(sub {
	"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\n\r\n" .
	ok200('after') });
$r = run_get('127.0.0.1', $p, '/');
is_deeply([$r->{rc}, $r->{out}], [0, 'after'], '1xx skipped');

$p = serve(sub { "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n" });
$r = run_get('127.0.0.1', $p, '/');
is($r->{rc}, 8, '101 is an error');

$p = serve(sub {
	my ($req, $n, $k) = @_;
	$k == 1 ? "HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\n\r\n" :
	$k == 2 ? "HTTP/1.1 204 No Content\r\nContent-Length: 50\r\n\r\n" :
	    ok200("conn=$n") });
$r = run_get('127.0.0.1', $p, '/a', '/b', '/c');
is_deeply([$r->{rc}, $r->{out}], [0, 'conn=1'],
    '304 and 204 with Content-Length have no body');

$p = serve(sub {
	my ($req) = @_;
	$req->{method} eq 'HEAD' ?
	    "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nX-H: 1\r\n\r\n" :
	    ok200('wrong') });
$r = run_get('127.0.0.1', $p, '-I', '/', '/');
is($r->{rc}, 0, 'HEAD: exit 0');
like($r->{out}, qr/\AHTTP\/1\.1 200 OK\r\n.*X-H: 1\r\n\r\nHTTP\/1\.1 200/s,
    'HEAD: headers printed, no body read, connection reused');

# ------------------------------------------------------------ failures
$p = serve(sub { "HTTP/1.1 OK\r\n\r\n" });
$r = run_get('127.0.0.1', $p, '/');
is($r->{rc}, 8, 'malformed status line: exit 8');
like($r->{err}, qr/^hearth-get: 127\.0\.0\.1 port $p: malformed response/,
    'malformed: one-line message with host and port');

$p = fake_port(sub {
	my ($c) = @_;
	read_req($c);
	send_all($c, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789");
});
$r = run_get('127.0.0.1', $p, '/');
is($r->{rc}, 18, 'truncated body: exit 18 (partial file)');
is($r->{out}, '0123456789', 'truncated body: what arrived is written');

$p = fake_port(sub {
	my ($c) = @_;
	read_req($c);
	send_all($c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab");
});
$r = run_get('127.0.0.1', $p, '/');
is($r->{rc}, 18, 'truncated chunked body: exit 18');

$p = serve(sub { "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n" });
$r = run_get('127.0.0.1', $p, '/');
is($r->{rc}, 8, 'bad chunk size: exit 8');

$p = fake_port(sub {
	my ($c) = @_;
	read_req($c);
	1 while sysread($c->{sock}, my $x, 4096);	# until the client gives up
});
$r = run_get(\10, '--timeout', '1', '127.0.0.1', $p, '/');
is($r->{rc}, 28, 'silent server: exit 28');
cmp_ok($r->{secs}, '<', 5, 'silent server: gave up in time');
like($r->{err}, qr/port $p: timeout/, 'silent server: message');

$p = fake_port(sub {
	my ($c) = @_;
	read_req($c);
	send_all($c, "HTTP/1.1 200 OK\r\n");
	my $i = 0;
	1 while send_all($c, "X-Endless-" . $i++ . ": aaaaaaaaaaaaaaaa\r\n");
});
$r = run_get(\10, '127.0.0.1', $p, '/');
is($r->{rc}, 8, 'endless headers: exit 8');
cmp_ok($r->{secs}, '<', 5, 'endless headers: no hang');

$p = serve(sub { "HTTP/1.1 404 Not Found\r\nContent-Length: 4\r\n\r\nnope" });
$r = run_get('-f', '127.0.0.1', $p, '/missing');
is($r->{rc}, 22, '--fail with 404: exit 22');
is($r->{out}, '', '--fail: no body');
$r = run_get('127.0.0.1', $p, '/missing');
is_deeply([$r->{rc}, $r->{out}], [0, 'nope'], 'without -f 404 is exit 0');

{
	my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1',
	    LocalPort => 0, Proto => 'tcp', Listen => 1) or die;
	my $closed = $s->sockport;
	close $s;
	$r = run_get('127.0.0.1', $closed, '/');
	is($r->{rc}, 7, 'connection refused: exit 7');
	like($r->{err}, qr/^hearth-get: 127\.0\.0\.1 port $closed: connect: Connection refused\n\z/,
	    'connection refused: message');
}

$r = run_get('nonexistent.invalid', '80', '/');
is($r->{rc}, 6, 'unresolvable name: exit 6');
like($r->{err}, qr/^hearth-get: nonexistent\.invalid port 80: resolve: /,
    'unresolvable name: message');

$r = run_get('127.0.0.1');
is($r->{rc}, 2, 'usage error: exit 2');
$r = run_get('-H', "Bad\r\nHeader: x", '127.0.0.1', '80', '/');
is($r->{rc}, 2, 'header with CRLF refused');
$r = run_get('-V');
like($r->{out}, qr/^hearth-get \S+\n\z/, '-V prints the version');

# ------------------------------------------------------------ redirects
$p = serve(sub {
	my ($req) = @_;
	my ($n) = $req->{path} =~ m{^/r/(\d+)} or return ok200('landed');
	return ok200('landed') if $n == 0;
	# absolute URI, relative path, absolute path, in turn
	my $loc = $n % 3 == 0 ? "http://$req->{headers}{host}/r/" . ($n - 1) :
	    $n % 3 == 1 ? $n - 1 : '/r/' . ($n - 1);
	return "HTTP/1.1 302 Found\r\nLocation: $loc\r\n" .
	    "Content-Length: 5\r\n\r\nmoved";
});
$r = run_get('-L', '127.0.0.1', $p, '/r/6');
is_deeply([$r->{rc}, $r->{out}], [0, 'landed'],
    '-L follows relative, absolute-path and http:// redirects');
$r = run_get('-L', '127.0.0.1', $p, '/r/12');
is($r->{rc}, 47, '-L stops after 10 redirects: exit 47');
$r = run_get('-L', '--max-redirs', '12', '127.0.0.1', $p, '/r/12');
is($r->{rc}, 0, '--max-redirs raises the limit');
$r = run_get('127.0.0.1', $p, '/r/2');
is_deeply([$r->{rc}, $r->{out}], [0, 'moved'], 'without -L: redirect body');

# ------------------------------------------------------------ keep-alive
$p = serve(sub { my ($req, $n, $k) = @_; ok200("c$n.r$k;") });
$r = run_get('127.0.0.1', $p, '/1', '/2', '/3');
is($r->{out}, 'c1.r1;c1.r2;c1.r3;', 'several paths over one connection');

# The server drops each connection after one response, as after an
# idle timeout, without saying Connection: close.
$p = fake_port(sub {
	my ($c, $n) = @_;
	read_req($c) and send_all($c, ok200("c$n;"));
	shutdown($c->{sock}, 1);
	1 while sysread($c->{sock}, my $x, 4096);
});
$r = run_get('127.0.0.1', $p, '/1', '/2', '/3');
is_deeply([$r->{rc}, $r->{out}], [0, 'c1;c2;c3;'],
    'reconnects when an idle connection was closed');

# A response that starts and then dies must not be retried.
$p = fake_port(sub {
	my ($c, $n) = @_;
	my $k = 0;
	while (read_req($c)) {
		if (++$k == 2) {
			send_all($c, "HTTP/1.1 200 OK\r\nContent-Len");
			last;
		}
		send_all($c, ok200("c$n;"));
	}
});
$r = run_get('127.0.0.1', $p, '/1', '/2');
is($r->{rc}, 8, 'no retry once a response byte arrived');

# ------------------------------------------------------------ bodies
my $post = join('', map { chr } 0 .. 255) x 300 . "\r\n\r\nend\n";
spew("$dir/post.bin", $post);
$p = serve(sub {
	my ($req) = @_;
	ok200(join("\n", $req->{method}, $req->{headers}{'content-type'} // '-',
	    $req->{headers}{'x-extra'} // '-', '') . $req->{body});
});
$r = run_get('-d', "\@$dir/post.bin", '-H', 'X-Extra: yes',
    '127.0.0.1', $p, '/post');
is($r->{rc}, 0, '-d @FILE: exit 0');
ok($r->{out} eq "POST\napplication/x-www-form-urlencoded\nyes\n$post",
    '-d @FILE: body arrives intact, default Content-Type, -H sent');
$r = run_get('-d', 'a=1', '-H', 'Content-Type: text/plain', '-X', 'PUT',
    '127.0.0.1', $p, '/');
is($r->{out}, "PUT\ntext/plain\n-\na=1", '-X and -H override defaults');
$r = run_get('-d', "\@$dir/no-such-file", '127.0.0.1', $p, '/');
is($r->{rc}, 26, '-d @missing: exit 26');

my $big = '';
{
	open(my $fh, '<:raw', '/dev/urandom') or die;
	read($fh, $big, 10 * 1024 * 1024) == 10 * 1024 * 1024 or die;
}
$p = serve(sub {
	my ($req) = @_;
	return ok200($big) if $req->{path} eq '/big';
	my $s = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
	for (my ($off, $i) = (0, 1); $off < length $big; $i++) {
		my $n = ($i * 7919) % 100000 + 1;
		$n = length($big) - $off if $off + $n > length $big;
		$s .= sprintf("%x\r\n", $n) . substr($big, $off, $n) . "\r\n";
		$off += $n;
	}
	return $s . "0\r\n\r\n";
});
$r = run_get('-o', "$dir/big.out", '127.0.0.1', $p, '/big');
is($r->{rc}, 0, '-o: exit 0');
is($r->{out}, '', '-o: nothing on stdout');
ok(slurp("$dir/big.out") eq $big, '10 MiB binary body byte-exact via -o');
$r = run_get('127.0.0.1', $p, '/chunked');
ok($r->{out} eq $big, '10 MiB chunked body byte-exact on stdout');
SKIP: {
	skip 'no /dev/full', 1 unless -c '/dev/full';
	$r = run_get('-o', '/dev/full', '127.0.0.1', $p, '/big');
	is($r->{rc}, 23, 'write error: exit 23');
}

# ------------------------------------------------------------ output
$p = serve(sub { ok200('body', 'X-Test: 1') });
$r = run_get('-i', '-v', '-w', '127.0.0.1', $p, '/');
like($r->{out}, qr/\AHTTP\/1\.1 200 OK\r\nX-Test: 1\r\n.*\r\n\r\nbody\z/s,
    '-i: head then body');
like($r->{err}, qr/^> GET \/ HTTP\/1\.1$/m, '-v: request line');
like($r->{err}, qr/^< X-Test: 1$/m, '-v: response field');
like($r->{err}, qr/^time_dns=[\d.]+ time_connect=[\d.]+ time_ttfb=[\d.]+ time_total=[\d.]+$/m,
    '-w: timings on stderr');

# ------------------------------------------------------------ load mode
$p = serve(sub { my ($req, $n, $k) = @_; ok200('x' x 100) });
$r = run_get('-n', '200', '-c', '4', '127.0.0.1', $p, '/a', '/b');
is($r->{rc}, 0, 'load: exit 0');
like($r->{out}, qr/^requests: 200 ok: 200 failed: 0 concurrency: 4 connections: 4$/m,
    'load: counts, keep-alive connections reused');
like($r->{out}, qr/^requests\/s: [\d.]+$/m, 'load: requests/s');
like($r->{out}, qr/^latency: p50 [\d.]+ ms p90 [\d.]+ ms p99 [\d.]+ ms max [\d.]+ ms$/m,
    'load: percentiles');
like($r->{out}, qr/^errors: connect 0 timeout 0 reset 0 closed 0 malformed 0$/m,
    'load: errors by kind');

$p = serve(sub { my ($req, $n, $k) = @_; $k > 3 ? undef : ok200('y') });
$r = run_get('-n', '40', '-c', '2', '127.0.0.1', $p, '/');
like($r->{out}, qr/^requests: 40 ok: 40 /m,
    'load: reconnects after the server drops idle connections');

$p = serve(sub { "HTTP/1.1 2xx\r\n\r\n" });
$r = run_get('-n', '10', '-c', '2', '127.0.0.1', $p, '/');
is($r->{rc}, 1, 'load with errors: exit 1');
like($r->{out}, qr/^errors: .*malformed 10$/m, 'load: malformed counted');

# ------------------------------------------------------------ --check
# A broken server: same 200 for every path, no validators, no ranges,
# and it closes every connection.
$p = serve(sub {
	"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello" });
$r = run_get('--check', '127.0.0.1', $p);
is($r->{rc}, 1, '--check against a broken server: exit 1');
like($r->{out}, qr/^PASS get$/m, '--check: PASS line');
like($r->{out}, qr/^FAIL not-found: .*status 200, want 404$/m,
    '--check: FAIL line with reason');
like($r->{out}, qr/^FAIL keep-alive: /m, '--check: keep-alive failure');
like($r->{out}, qr/^FAIL range: /m, '--check: range failure');

# A server that does it all right.
my $doc = join('', map { chr(65 + $_ % 26) } 0 .. 999);
my $etag = '"v1"';
my $lm = 'Mon, 01 Jan 2024 00:00:00 GMT';
$p = serve(sub {
	my ($req) = @_;
	my $h = $req->{headers};
	my $v = "ETag: $etag\r\nLast-Modified: $lm\r\nContent-Type: text/plain";
	return "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
	    unless $req->{path} eq '/';
	return "HTTP/1.1 304 Not Modified\r\n$v\r\n\r\n"
	    if ($h->{'if-none-match'} // '') eq $etag ||
	    ($h->{'if-modified-since'} // '') eq $lm;
	my $head = $req->{method} eq 'HEAD';
	my @r = map { [split /-/, $_, -1] }
	    split /,/, (($h->{range} // '') =~ /^bytes=(.*)/)[0] // '';
	@r = map { $_->[0] eq '' ? [length($doc) - $_->[1], length($doc) - 1] :
	    $_ } @r;
	if (@r == 1) {
		my ($f, $l) = @{ $r[0] };
		my $b = substr($doc, $f, $l - $f + 1);
		return "HTTP/1.1 206 Partial Content\r\n$v\r\nContent-Range: " .
		    "bytes $f-$l/" . length($doc) . "\r\nContent-Length: " .
		    length($b) . "\r\n\r\n$b";
	}
	if (@r > 1) {
		my $b = '';
		for (@r) {
			my ($f, $l) = @$_;
			$b .= "\r\n--SEP\r\nContent-Type: text/plain\r\n" .
			    "Content-Range: bytes $f-$l/" . length($doc) .
			    "\r\n\r\n" . substr($doc, $f, $l - $f + 1);
		}
		$b .= "\r\n--SEP--\r\n";
		return "HTTP/1.1 206 Partial Content\r\nContent-Type: " .
		    "multipart/byteranges; boundary=SEP\r\nContent-Length: " .
		    length($b) . "\r\n\r\n$b";
	}
	return "HTTP/1.1 200 OK\r\n$v\r\nContent-Length: " . length($doc) .
	    "\r\n\r\n" . ($head ? '' : $doc);
});
$r = run_get('--check', '127.0.0.1', $p);
is($r->{rc}, 0, '--check against a good server: exit 0');
is(scalar(() = $r->{out} =~ /^PASS /mg), 9, '--check: nine PASS lines')
    or diag($r->{out});

stop_servers();
done_testing();
