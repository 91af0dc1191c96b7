# Persistent connections (issue 4, RFC 9112 section 9): keep-alive,
# pipelining in order, HTTP/1.0 rules, Connection: close,
# limits.keepalive_requests and the keep-alive idle timeout.
use strict;
use warnings;
use Test::More;
use Time::HiRes qw(time);
use Hearth qw(parse_response);

my %files = map { ("htdocs/f$_.txt" => "file $_\n" . ('.' x $_)) } 1 .. 10;
my $h = Hearth->start(workers => 2, files => \%files,
    conf => "timeouts = { header = 2; keepalive = 1; };\n");

sub body_of { "file $_[0]\n" . ('.' x $_[0]) }

# A connection with its own read buffer, so responses can be taken off
# one at a time.
sub conn {
	my ($srv) = @_;
	my $s = $srv->connect or die "connect: $!";
	binmode $s;
	return { s => $s, buf => '', eof => 0 };
}

sub send_all {
	my ($c, $data) = @_;
	my $off = 0;
	while ($off < length $data) {
		my $n = syswrite($c->{s}, $data, length($data) - $off, $off);
		return 0 unless defined $n;
		$off += $n;
	}
	return 1;
}

# Read more bytes into the buffer; 0 on EOF, error or timeout.
sub fill {
	my ($c, $deadline) = @_;
	my $left = $deadline - time;
	return 0 if $left <= 0 || $c->{eof};
	my $rin = '';
	vec($rin, fileno($c->{s}), 1) = 1;
	my $n = select(my $rout = $rin, undef, undef, $left);
	return 0 if $n <= 0;
	my $r = sysread($c->{s}, my $buf, 65536);
	if (!$r) {
		$c->{eof} = 1;
		return 0;
	}
	$c->{buf} .= $buf;
	return 1;
}

# Take one response off the connection: a hash, or undef on timeout/EOF.
sub next_response {
	my ($c, $head_only, $timeout) = @_;
	my $deadline = time + ($timeout // 5);
	for (;;) {
		my $i = index($c->{buf}, "\r\n\r\n");
		if ($i >= 0) {
			my ($st, $hd) = parse_response(substr($c->{buf}, 0, $i + 4));
			my $len = $head_only ? 0 : $hd->{'content-length'} // 0;
			if (length($c->{buf}) >= $i + 4 + $len) {
				my $body = substr($c->{buf}, $i + 4, $len);
				substr($c->{buf}, 0, $i + 4 + $len) = '';
				return { status => $st, headers => $hd,
				    body => $body };
			}
		}
		return undef unless fill($c, $deadline);
	}
}

# Does the server close this connection within $timeout?  Returns the
# seconds it took, or undef.  Bytes that arrive first are kept.
sub wait_eof {
	my ($c, $timeout) = @_;
	my $t0 = time;
	my $deadline = $t0 + $timeout;
	1 while !$c->{eof} && fill($c, $deadline);
	return $c->{eof} ? time - $t0 : undef;
}

sub req {
	my ($path, $extra, $version) = @_;
	return "GET $path HTTP/" . ($version // '1.1') . "\r\n" .
	    "Host: localhost\r\n" . ($extra // '') . "\r\n";
}

# --- three requests, one at a time, on one connection
{
	my $c = conn($h);
	for my $i (1 .. 3) {
		send_all($c, req("/f$i.txt"));
		my $r = next_response($c);
		is($r && $r->{status}, 200, "keep-alive request $i: 200");
		is($r && $r->{body}, body_of($i), "keep-alive request $i: its body");
		ok($r && ($r->{headers}{connection} // '') !~ /close/i,
		    "keep-alive request $i: no Connection: close");
	}
	# a 404 does not end the connection either
	send_all($c, req('/missing.txt'));
	my $r = next_response($c);
	is($r && $r->{status}, 404, 'keep-alive: 404 on the same connection');
	send_all($c, req('/f4.txt', "Connection: close\r\n"));
	$r = next_response($c);
	is($r && $r->{body}, body_of(4), 'keep-alive: served after the 404');
	is($r && $r->{headers}{connection}, 'close', 'Connection: close echoed');
	ok(defined wait_eof($c, 3), 'Connection: close honoured: the server closes');
	ok(!length $c->{buf}, 'nothing after the last response');
}

# --- ten pipelined requests in one write: ten responses, in order
{
	my $c = conn($h);
	send_all($c, join '', map { req("/f$_.txt", $_ == 10 ?
	    "Connection: close\r\n" : '') } 1 .. 10);
	my @r;
	while (my $r = next_response($c)) {
		push @r, $r;
	}
	is(scalar @r, 10, 'pipelining: ten responses');
	is_deeply([map { $_->{body} } @r], [map { body_of($_) } 1 .. 10],
	    'pipelining: in request order, each body whole');
	is_deeply([map { $_->{status} } @r], [(200) x 10], 'pipelining: all 200');
	ok($c->{eof}, 'pipelining: closed after the tenth (Connection: close)');
}

# --- pipelined HEAD, GET and a 404: framing survives bodiless responses
{
	my $c = conn($h);
	send_all($c, "HEAD /f5.txt HTTP/1.1\r\nHost: x\r\n\r\n" .
	    req('/missing.txt') . req('/f6.txt', "Connection: close\r\n"));
	my $r1 = next_response($c, 1);
	my $r2 = next_response($c);
	my $r3 = next_response($c);
	is($r1 && $r1->{status}, 200, 'pipelined HEAD: 200');
	is($r1 && $r1->{headers}{'content-length'}, length body_of(5),
	    'pipelined HEAD: Content-Length of the GET');
	is($r2 && $r2->{status}, 404, 'pipelined 404 after HEAD');
	is($r3 && $r3->{body}, body_of(6), 'pipelined GET after the 404: its body');
	ok(defined wait_eof($c, 3) && !length $c->{buf}, 'no stray bytes after them');
}

# --- a pipelined request split across writes
{
	my $c = conn($h);
	my $two = req('/f1.txt') . req('/f2.txt', "Connection: close\r\n");
	my $cut = length(req('/f1.txt')) + 7;
	send_all($c, substr($two, 0, $cut));
	my $r = next_response($c);
	is($r && $r->{body}, body_of(1), 'split pipeline: first answered at once');
	send_all($c, substr($two, $cut));
	$r = next_response($c);
	is($r && $r->{body}, body_of(2), 'split pipeline: second answered once complete');
}

# --- HTTP/1.0 (RFC 9112 section 9.3)
{
	my $c = conn($h);
	send_all($c, "GET /f1.txt HTTP/1.0\r\n\r\n");
	my $r = next_response($c);
	is($r && $r->{status}, 200, 'HTTP/1.0: 200');
	ok($r && ($r->{headers}{connection} // 'close') !~ /keep-alive/i,
	    'HTTP/1.0 without keep-alive: not kept alive');
	ok(defined wait_eof($c, 3), 'HTTP/1.0 without keep-alive: closed');

	$c = conn($h);
	send_all($c, "GET /f1.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
	$r = next_response($c);
	is($r && $r->{headers}{connection}, 'keep-alive',
	    'HTTP/1.0 keep-alive: Connection: keep-alive');
	send_all($c, "GET /f2.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
	$r = next_response($c);
	is($r && $r->{body}, body_of(2), 'HTTP/1.0 keep-alive: second request served');
	send_all($c, "GET /f3.txt HTTP/1.0\r\n\r\n");
	$r = next_response($c);
	is($r && $r->{body}, body_of(3), 'HTTP/1.0 keep-alive: third, without the token');
	ok(defined wait_eof($c, 3), 'HTTP/1.0: closed once a request lacks keep-alive');

	# Connection: close wins over keep-alive in the same field
	$c = conn($h);
	send_all($c, req('/f1.txt', "Connection: keep-alive, close\r\n"));
	$r = next_response($c);
	is($r && $r->{headers}{connection}, 'close', 'keep-alive, close: close wins');
	ok(defined wait_eof($c, 3), 'keep-alive, close: closed');
}

# --- keep-alive idle timeout: keepalive = 1 closes within 1-3 s
{
	my $c = conn($h);
	send_all($c, req('/f1.txt'));
	my $r = next_response($c);
	is($r && $r->{status}, 200, 'idle: first response');
	my $t = wait_eof($c, 5);
	ok(defined $t, 'idle: the server closes an idle keep-alive connection');
	ok(defined $t && $t >= 0.5 && $t <= 3,
	    sprintf('idle: after about keepalive = 1 s (%.2f s)', $t // -1));
	ok(!length $c->{buf}, 'idle: nothing sent before closing');
}

is($h->stop, 0, 'clean exit on TERM');

# --- limits.keepalive_requests = 3: the third response closes
{
	my $k = Hearth->start(workers => 1, files => \%files,
	    conf => "limits = { keepalive_requests = 3; };\n");
	my $c = conn($k);
	for my $i (1 .. 2) {
		send_all($c, req("/f$i.txt"));
		my $r = next_response($c);
		is($r && $r->{body}, body_of($i), "keepalive_requests = 3: request $i served");
		ok($r && ($r->{headers}{connection} // '') !~ /close/i,
		    "keepalive_requests = 3: request $i kept alive");
	}
	send_all($c, req('/f3.txt'));
	my $r = next_response($c);
	is($r && $r->{body}, body_of(3), 'keepalive_requests = 3: request 3 served');
	is($r && $r->{headers}{connection}, 'close',
	    'keepalive_requests = 3: the third response has Connection: close');
	ok(defined wait_eof($c, 3), 'keepalive_requests = 3: then the socket closes');

	# pipelined past the limit: three answers, the rest unanswered
	$c = conn($k);
	send_all($c, join '', map { req("/f$_.txt") } 1 .. 5);
	my @r;
	while (my $x = next_response($c, 0, 3)) {
		push @r, $x;
	}
	is(scalar @r, 3, 'keepalive_requests = 3, five pipelined: three responses');
	ok($c->{eof}, 'keepalive_requests = 3, five pipelined: closed');
	is($k->stop, 0, 'clean exit on TERM');
}

done_testing;
