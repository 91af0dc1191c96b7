# Overload: a full worker says 503 with Retry-After instead of dropping
# the connection; a per-client cap has its own 503; each limit is logged
# once per interval and counted on the status page.  Crash forensics:
# a worker killed by a signal is logged with the request it served, and
# a crash loop shows on the status page.
use strict;
use warnings;
use Test::More;
use IO::Socket::INET;
use JSON::PP;
use Hearth qw(wait_until slurp parse_response);

sub api {
	my ($h) = @_;
	my ($st, undef, $body) = $h->get('/api/status');
	return $st == 200 ? eval { decode_json($body) } : undef;
}

sub hold {
	my ($h, $local) = @_;
	my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $h->port,
	    Proto => 'tcp', Timeout => 5, $local ? (LocalAddr => $local) : ()) or die "connect: $!";
	print $s "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	my $buf = '';
	sysread($s, $buf, 65536, length $buf) until $buf =~ /<\/html>\s*\z/;
	return $s;
}

sub raw_from {
	my ($h, $local) = @_;
	my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $h->port,
	    Proto => 'tcp', Timeout => 5, $local ? (LocalAddr => $local) : ()) or return '';
	print $s "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
	local $/;
	return <$s> // '';
}

# --- max_connections: the worker is full
my $h = Hearth->start(workers => 1, conf => <<'EOF2');
admin = { };
limits = { max_connections = 3; };
timeouts = { keepalive = 30; };
EOF2
my @held = map { hold($h) } 1 .. 3;
my $raw = raw_from($h);
my ($st, $hd) = parse_response($raw);
is($st, 503, 'a full worker answers 503');
is($hd->{'retry-after'}, 1, 'with Retry-After');
raw_from($h) for 1 .. 5;
ok($h->error_log_like(qr/limits\.max_connections \(3\) reached: 1 connection refused/),
    'the limit is logged');
my @lines = grep { /limits\.max_connections/ } split /\n/, slurp($h->error_log);
is(scalar @lines, 1, 'once, not once per refusal');
close $_ for @held;
my $j;
ok(wait_until(sub { $j = api($h); $j && $j->{refused}{max_connections} >= 6 }, 10),
    'refusals counted in /api/status') or diag explain $j;
$h->stop;

# --- per_client
$h = Hearth->start(workers => 2, conf => <<'EOF2');
admin = { };
limits = { per_client = 2; };
timeouts = { keepalive = 30; };
EOF2
@held = map { hold($h) } 1 .. 2;
($st, $hd) = parse_response(raw_from($h));
is($st, 503, 'a third connection from one address: 503');
is($hd->{'retry-after'}, 1, 'with Retry-After');
($st) = parse_response(raw_from($h, '127.0.0.9'));
is($st, 200, 'another address is served');
ok($h->error_log_like(qr/limits\.per_client \(2\) reached/), 'logged');
close $_ for @held;
ok(wait_until(sub { (parse_response(raw_from($h)))[0] == 200 }, 5),
    'served again once the connections close');
$j = api($h);
ok($j && $j->{refused}{per_client} >= 1, 'counted in /api/status');
$h->stop;

# --- crash forensics and the crash-loop flag
$h = Hearth->start(workers => 1, conf => "admin = { };\n");
$h->get('/index.html?forensics=1');
my ($w) = $h->worker_pids;
# SIGQUIT, not SIGSEGV: the sanitizer build intercepts SEGV itself
kill 'QUIT', $w;
ok($h->error_log_like(qr/worker $w \(generation 1\) killed by signal 3 \(Quit\)/),
    'the signal is logged');
ok($h->error_log_like(qr/worker $w was \w+; its last request: "GET \/index\.html\?forensics=1 HTTP\/1\.1" from 127\.0\.0\.1/),
    'with the request it served and the client');
# workers that keep dying put the master into backoff
for (1 .. 12) {
	my @p;
	wait_until(sub { @p = $h->worker_pids; @p == 1 }, 10);
	kill 'KILL', $p[0] if @p;
	wait_until(sub { my @n = $h->worker_pids; !@n || !@p || $n[0] != $p[0] }, 5);
}
ok($h->error_log_like(qr/workers keep dying \(\d+ in 10 s\); respawning in \d+ ms/),
    'backoff logged');
ok(wait_until(sub { $j = api($h); $j && $j->{crash_loop} }, 15),
    'crash_loop shows in /api/status');
$h->stop;
done_testing;
