# The real client behind a proxy: PROXY protocol v1/v2 on the listeners
# named in remote_ip.proxy_protocol, and X-Forwarded-For believed only
# from trusted peers (the right-most untrusted address, as mod_remoteip).
use strict;
use warnings;
use Test::More;
use IO::Socket::INET;
use Time::HiRes qw(sleep);
use Hearth qw(wait_until free_port parse_response);

my $p1 = free_port();
my $p2 = free_port();
my $h = Hearth->start(port => $p1, conf => <<"EOF2");
listen = [ "127.0.0.1:$p1", "127.0.0.1:$p2" ];
remote_ip = {
    proxy_protocol = [ "127.0.0.1:$p2" ];
    trusted = [ "127.0.0.1/32", "10.0.0.0/8" ];
};
timeouts = { header = 2; };
EOF2

sub send_raw {
	my ($port, @chunks) = @_;
	my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
	    Proto => 'tcp', Timeout => 5) or die "connect: $!";
	$s->autoflush(1);
	for my $c (@chunks) {
		print $s $c;
		sleep 0.005 if @chunks > 1;	# the stimulus: bytes trickle in
	}
	my $out = '';
	my $rin = '';
	vec($rin, fileno($s), 1) = 1;
	while (select(my $r = $rin, undef, undef, 5) > 0) {
		last unless sysread($s, my $buf, 65536);
		$out .= $buf;
	}
	return $out;
}

sub last_host {
	my @l = $h->access_lines;
	return @l ? (split / /, $l[-1])[0] : '';
}

sub host_after {
	my ($n) = @_;
	wait_until(sub { scalar($h->access_lines) >= $n }, 5);
	return last_host();
}

my $req = "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
my $n = 0;

# v1
my $out = send_raw($p2, "PROXY TCP4 192.0.2.7 127.0.0.1 5555 $p2\r\n$req");
like($out, qr{^HTTP/1\.1 200 }, 'PROXY v1 then a request');
is(host_after(++$n), '192.0.2.7', 'v1 source address is %h');

$out = send_raw($p2, "PROXY TCP6 2001:db8::9 ::1 5555 80\r\n$req");
is(host_after(++$n), '2001:db8::9', 'v1 TCP6');

$out = send_raw($p2, "PROXY UNKNOWN\r\n$req");
like($out, qr{^HTTP/1\.1 200 }, 'v1 UNKNOWN');
is(host_after(++$n), '127.0.0.1', 'UNKNOWN keeps the peer address');

# v2
my $sig = "\r\n\r\n\0\r\nQUIT\n";
my $v2 = $sig . "\x21\x11" . pack('n', 12) . pack('C4', 198, 51, 100, 23) .
    pack('C4', 127, 0, 0, 1) . pack('n', 4444) . pack('n', $p2);
$out = send_raw($p2, $v2 . $req);
like($out, qr{^HTTP/1\.1 200 }, 'PROXY v2 TCP4');
is(host_after(++$n), '198.51.100.23', 'v2 source address is %h');

my $local = $sig . "\x20\x00" . pack('n', 0);
$out = send_raw($p2, $local . $req);
like($out, qr{^HTTP/1\.1 200 }, 'v2 LOCAL (health checks)');
is(host_after(++$n), '127.0.0.1', 'LOCAL keeps the peer address');

# byte by byte
$out = send_raw($p2, split(//, "PROXY TCP4 192.0.2.8 127.0.0.1 1 2\r\n"), $req);
like($out, qr{^HTTP/1\.1 200 }, 'a header that arrives byte by byte');
is(host_after(++$n), '192.0.2.8', 'and its address is used');

# garbage, truncated: closed, not answered; logged once
$out = send_raw($p2, $req);
is($out, '', 'a plain request on a PROXY listener is closed unanswered');
ok($h->error_log_like(qr/\[client 127\.0\.0\.1\] bad PROXY protocol header/),
    'and logged');
my $t0 = time;
$out = send_raw($p2, "PROXY TCP4 192.0.2.9 127.0.0.1 1");
is($out, '', 'a truncated header is closed unanswered');
ok(time - $t0 <= 5, 'within timeouts.header');

# the plain listener ignores PROXY
$out = send_raw($p1, "PROXY TCP4 192.0.2.7 127.0.0.1 5555 80\r\n$req");
like($out, qr{^HTTP/1\.1 400 }, 'a PROXY header on a plain listener is a bad request');
$n++;

# X-Forwarded-For from a trusted peer (127.0.0.1 is trusted here)
sub xff {
	my ($port, $prefix, @values) = @_;
	my $hdrs = join '', map { "X-Forwarded-For: $_\r\n" } @values;
	return send_raw($port, $prefix . "GET / HTTP/1.1\r\nHost: x\r\n$hdrs" .
	    "Connection: close\r\n\r\n");
}
xff($p1, '', '203.0.113.5');
is(host_after(++$n), '203.0.113.5', 'trusted peer: the header is believed');
xff($p1, '', '203.0.113.5, 10.1.2.3');
is(host_after(++$n), '203.0.113.5', 'trusted proxies in the chain are skipped');
xff($p1, '', '1.1.1.1, 203.0.113.6, 10.1.2.3');
is(host_after(++$n), '203.0.113.6', 'a forged left-most entry gains nothing');
xff($p1, '', 'garbage, 203.0.113.7');
is(host_after(++$n), '203.0.113.7', 'the walk stops at garbage');
xff($p1, '', '203.0.113.8', '10.9.9.9');
is(host_after(++$n), '203.0.113.8', 'several header lines are one list');

# through PROXY from an untrusted client: its header is not believed
xff($p2, "PROXY TCP4 192.0.2.50 127.0.0.1 1 2\r\n", '6.6.6.6');
is(host_after(++$n), '192.0.2.50', 'an untrusted client cannot forge X-Forwarded-For');

# an error-log line about a client names the proxy too
send_raw($p2, "PROXY TCP4 192.0.2.60 127.0.0.1 1 2\r\nGET /%00 HTTP/1.1\r\nHost: x\r\n\r\n");
ok($h->error_log_like(qr/\[client 192\.0\.2\.60 \(via 127\.0\.0\.1\)\]/),
    'error log names the client and the proxy');

$h->stop;

# a proxy_protocol listener that is not in listen is a config error
$h = Hearth->start(no_spawn => 1, conf => "remote_ip = { proxy_protocol = [ \"127.0.0.1:1\" ]; };\n");
my $t = `$Hearth::HEARTHD -t -f @{[ $h->conf_path ]} 2>&1`;
like($t, qr/httpd\.conf:\d+: remote_ip\.proxy_protocol: "127\.0\.0\.1:1" is not one of the listen addresses/,
    'proxy_protocol must name a listen address');
done_testing;
