# Slow and silent clients (issue 4): the header timeout is a deadline for
# the whole head, not reset by each byte (slowloris); other clients are
# served meanwhile; silent connections are closed; and the lingering
# close lets a client that is still sending a body read our answer
# rather than get a reset.  Bodies within limits.body are read and
# dropped, and a stalled or trickled body meets timeouts.body.
use strict;
use warnings;
use Test::More;
use Errno qw(EAGAIN EINTR);
use Socket qw(MSG_PEEK MSG_DONTWAIT);
use Time::HiRes qw(time sleep);
use Hearth qw(parse_response);

$SIG{PIPE} = 'IGNORE';

my $HEADER = 2;
my $BODY = 2;
my $HELLO = "hello, world\n";
my $h = Hearth->start(workers => 1,
    conf => "timeouts = { header = $HEADER; body = $BODY; keepalive = 5; };\n" .
    "limits = { body = 100000; };\n",
    files => { 'htdocs/hello.txt' => $HELLO });

sub readable {
	my ($s, $timeout) = @_;
	my $rin = '';
	vec($rin, fileno($s), 1) = 1;
	return select(my $rout = $rin, undef, undef, $timeout) > 0;
}

# Read until EOF or the deadline: (bytes, eof, error string).
sub read_rest {
	my ($s, $deadline) = @_;
	my ($out, $eof, $err) = ('', 0, undef);
	while ((my $left = $deadline - time) > 0) {
		next unless readable($s, $left);
		my $r = sysread($s, my $buf, 65536);
		if (!defined $r) {
			next if $! == EINTR;
			$err = "$!";
			last;
		}
		if ($r == 0) {
			$eof = 1;
			last;
		}
		$out .= $buf;
	}
	return ($out, $eof, $err);
}

# Write all of $data before $deadline; returns bytes written and error.
sub write_all {
	my ($s, $data, $deadline) = @_;
	my $off = 0;
	while ($off < length $data && time < $deadline) {
		my $win = '';
		vec($win, fileno($s), 1) = 1;
		next unless select(undef, my $wout = $win, undef,
		    $deadline - time) > 0;
		my $n = syswrite($s, $data, length($data) - $off, $off);
		if (!defined $n) {
			next if $! == EAGAIN || $! == EINTR;
			return ($off, "$!");
		}
		$off += $n;
	}
	return ($off, undef);
}

sub fast_get {
	my $t0 = time;
	my ($st, undef, $body) = parse_response($h->request(
	    "GET /hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 3));
	return ($st == 200 && $body eq $HELLO, time - $t0);
}

# --- slowloris: one header byte every 0.2 s, never finishing the head.
# The trickle is the stimulus, not a wait; the loop ends at EOF.
sub slowloris {
	my ($name, $start) = @_;
	my $s = $h->connect or die "connect: $!";
	binmode $s;
	my $t0 = time;
	my $limit = $t0 + $HEADER + 2;
	syswrite($s, $start);
	my ($out, $eof, $err, $sent, $fast_ok, $fast_t) = ('', 0, undef, 0);
	while (time < $limit + 1) {
		if (readable($s, 0.2)) {
			my $r = sysread($s, my $buf, 65536);
			if (!$r) {
				$eof = 1;
				$err = "$!" unless defined $r;
				last;
			}
			$out .= $buf;
			next;
		}
		# another client, on the same (only) worker, mid-trickle
		($fast_ok, $fast_t) = fast_get() if !defined $fast_t &&
		    time - $t0 > 1;
		last unless defined syswrite($s, 'a');
		$sent++;
	}
	my $elapsed = time - $t0;
	close $s;
	ok($eof || length $out, "$name: cut off although it kept sending");
	ok($elapsed <= $HEADER + 2, sprintf("%s: within header + 2 s (%.2f s, " .
	    "%d bytes trickled)", $name, $elapsed, $sent));
	ok($elapsed >= $HEADER - 0.5, "$name: not before the header timeout");
	my ($st, $hd) = parse_response($out);
	ok(!length $out || $st == 408, "$name: answered 408 or just closed")
	    or diag("got: $out");
	ok(!length $out || ($hd->{connection} // '') eq 'close',
	    "$name: a 408 says Connection: close");
	ok($fast_ok, "$name: a normal client is served meanwhile");
	ok(defined $fast_t && $fast_t < 1,
	    sprintf("%s: ... in under 1 s (%.3f s)", $name, $fast_t // -1));
}

slowloris('slow header field', "GET /hello.txt HTTP/1.1\r\nHost: x\r\nX-Slow: ");
slowloris('slow request line', "GET /");

# --- a slow head after a keep-alive request gets the same deadline
{
	my $s = $h->connect;
	binmode $s;
	syswrite($s, "GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n");
	my $got = '';
	my $dl = time + 3;
	while ($got !~ /\r\n\r\n\Q$HELLO\E/ && time < $dl) {
		last unless readable($s, $dl - time);
		sysread($s, my $buf, 65536) or last;
		$got .= $buf;
	}
	like($got, qr/^HTTP\/1\.1 200 /, 'keep-alive, then slow: first answered');
	my $t0 = time;
	syswrite($s, "GET /hello.txt HTTP/1.1\r\n");
	my $eof = 0;
	while (time < $t0 + $HEADER + 3) {
		if (readable($s, 0.2)) {
			my $r = sysread($s, my $buf, 65536);
			if (!$r) {
				$eof = 1;
				last;
			}
			next;
		}
		last unless defined syswrite($s, 'X');
	}
	my $t = time - $t0;
	ok($eof && $t <= $HEADER + 2,
	    sprintf('keep-alive, then slow: second head cut off (%.2f s)', $t));
	close $s;
}

# --- a partial head, then silence: 408
{
	my $s = $h->connect;
	binmode $s;
	my $t0 = time;
	syswrite($s, "GET /hello.txt HTTP/1.1\r\nHost: x\r\n");
	my ($out, $eof) = read_rest($s, $t0 + $HEADER + 3);
	my $t = time - $t0;
	my ($st, $hd) = parse_response($out);
	is($st, 408, 'partial head then silence: 408');
	ok($eof && $t <= $HEADER + 2, sprintf('partial head then silence: ' .
	    'closed after about header = %d s (%.2f s)', $HEADER, $t));
	close $s;
}

# --- a connection that sends nothing is closed.  TCP_DEFER_ACCEPT may
# hold it in the kernel about a second before the worker sees it.
{
	my $s = $h->connect;
	my $t0 = time;
	my ($out, $eof) = read_rest($s, $t0 + $HEADER + 4);
	my $t = time - $t0;
	ok($eof, sprintf('silent connection: closed (%.2f s)', $t));
	ok($t <= $HEADER + 2, 'silent connection: within header + 2 s');
	my ($st) = parse_response($out);
	ok(!length $out || $st == 408, 'silent connection: nothing, or a 408');
	close $s;
}

ok((fast_get())[0], 'still serving after the slow clients');

# --- request bodies.  A static file takes none, but a body within
# limits.body is read and thrown away, so the connection carries on;
# one that stalls or trickles is cut off after timeouts.body.
{
	my $s = $h->connect or die;
	binmode $s;
	my $len = 80000;		# more than a lingering close would drain
	my $dl = time + 8;
	write_all($s, "POST /hello.txt HTTP/1.1\r\nHost: x\r\n" .
	    "Content-Length: $len\r\n\r\n", $dl);
	my (undef, $err) = write_all($s, 'b' x $len, $dl);
	ok(!defined $err, 'POST, body within limits.body: all of it accepted');
	write_all($s, "GET /hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", $dl);
	my ($out, $eof, $rerr) = read_rest($s, $dl);
	close $s;
	my @r;
	while ($out =~ /\G(HTTP\/1\.1 (\d{3}) .*?\r\n\r\n)/gcs) {
		my ($head, $st) = ($1, $2);
		my ($cl) = $head =~ /^Content-Length: (\d+)/mi;
		my ($conn) = $head =~ /^Connection: (.*?)\r$/mi;
		my $body = substr($out, pos($out), $cl // 0);
		pos($out) = pos($out) + ($cl // 0);
		push @r, [$st, $conn // '', $body];
	}
	is($r[0][0], 405, 'POST, body within limits.body: 405');
	if ($r[0][1] =~ /close/i) {
		is(scalar @r, 1, 'POST, body within limits.body: closed, nothing more');
	} else {
		ok(@r == 2 && $r[1][0] == 200 && $r[1][2] eq $HELLO,
		    'POST, body within limits.body: kept alive, next request served');
	}
	ok(!defined $rerr, 'POST, body within limits.body: no reset') or diag($rerr);
}

sub slow_body {
	my ($name, $trickle) = @_;
	my $s = $h->connect or die;
	binmode $s;
	my $t0 = time;
	syswrite($s, "POST /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n");
	my ($out, $eof) = ('', 0);
	while (time < $t0 + $BODY + 4) {
		if (readable($s, $trickle ? 0.2 : $t0 + $BODY + 4 - time)) {
			my $r = sysread($s, my $buf, 65536);
			if (!$r) {
				$eof = 1;
				last;
			}
			$out .= $buf;
			next;
		}
		last unless !$trickle || defined syswrite($s, 'b');
	}
	my $t = time - $t0;
	close $s;
	my ($st) = parse_response($out);
	is($st, 408, "$name: 408");
	ok($eof && $t <= $BODY + 2, sprintf('%s: cut off after about body = %d s ' .
	    '(%.2f s)', $name, $BODY, $t));
}
slow_body('body never sent', 0);
slow_body('body trickled at 5 bytes/s', 1);

# --- lingering close (RFC 9112 section 9.6): a body over limits.body is
# refused at once, before it is read; the client may still be sending
# it and must be able to read the whole answer, not a reset.
sub linger_case {
	my ($name, $head, $len, $want, $wait_first) = @_;
	my $s = $h->connect or die;
	binmode $s;
	my $body = 'b' x $len;
	my $deadline = time + 8;
	if ($wait_first) {
		write_all($s, $head, $deadline);
		# the response start is here: peek at it, leave it unread
		readable($s, 5);
		recv($s, my $peek, 16, MSG_PEEK | MSG_DONTWAIT);
		like($peek // '', qr/^HTTP\/1\.1 /, "$name: response started before the body");
		write_all($s, $body, $deadline);
	} else {
		write_all($s, $head . $body, $deadline);
	}
	my ($out, $eof, $err) = read_rest($s, $deadline);
	close $s;
	my ($st, $hd, $rbody) = parse_response($out);
	is($st, $want, "$name: the $want arrives");
	ok(length $rbody && length $rbody == ($hd->{'content-length'} // -1),
	    "$name: the whole response, body and all") or diag("got " .
	    length($out) . " bytes: $out");
	is($hd->{connection}, 'close', "$name: Connection: close");
	ok($eof && !defined $err, "$name: closed cleanly, no reset") or
	    diag($err // 'no EOF');
}

my $big = "POST /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 200000\r\n\r\n";
linger_case('200000-byte body over limits.body, sent after the response start',
    $big, 200000, 413, 1);
linger_case('200000-byte body over limits.body, in one write', $big, 200000, 413, 0);
linger_case('bad head, then a 200000-byte body in one write',
    "POST /hello.txt HTTP/1.1\r\nHost: x\r\nBad Field: y\r\n" .
    "Content-Length: 200000\r\n\r\n", 200000, 400, 0);
linger_case('bad head, then a 200000-byte body after the response start',
    "POST /hello.txt HTTP/1.1\r\nHost: x\r\nBad Field: y\r\n" .
    "Content-Length: 200000\r\n\r\n", 200000, 400, 1);

ok((fast_get())[0], 'still serving at the end');
is($h->stop, 0, 'clean exit on TERM');
done_testing;
