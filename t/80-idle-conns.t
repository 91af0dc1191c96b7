# 10,000 idle keep-alive connections held across 4 workers must not
# stop a new client from being served, quickly.
use strict;
use warnings;
use Test::More;
use IO::Socket::INET;
use Time::HiRes qw(time);
use Hearth qw(wait_until);

my $want = 10000;
# the test process itself holds the client ends
my $limit = `sh -c 'ulimit -n'`;
chomp $limit;
plan skip_all => "ulimit -n is $limit; need " . ($want + 200)
    if $limit ne 'unlimited' && $limit < $want + 200;

my $h = Hearth->start(workers => 4, conf => "timeouts = { keepalive = 120; header = 60; };\n",
    files => { 'htdocs/a.txt' => "a\n" });
my $port = $h->port;
my @idle;
my $req = "GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n";
for (1 .. $want) {
	my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
	    Proto => 'tcp', Timeout => 5) or last;
	syswrite($s, $req);
	push @idle, $s;
}
is(scalar @idle, $want, "$want connections opened");
# read every response so each connection is idle in keep-alive
my $answered = 0;
for my $s (@idle) {
	my $buf = '';
	while ($buf !~ /\r\n\r\na\n\z/) {
		my $r = sysread($s, $buf, 4096, length $buf);
		last unless $r;
	}
	$answered++ if $buf =~ /^HTTP\/1\.1 200 /;
}
is($answered, $want, 'every one answered and now idle');

my $t0 = time;
my ($st, undef, $body) = $h->get('/a.txt');
my $ms = (time - $t0) * 1000;
is($st, 200, 'a new client is served while they idle');
diag sprintf('new client served in %.1f ms with %d idle connections', $ms, $want);
ok($ms < 5000, 'within the harness timeout');

# and the idle ones still work
my $s = $idle[-1];
syswrite($s, $req);
sysread($s, my $buf, 4096);
like($buf // '', qr{^HTTP/1\.1 200 }, 'an idle connection is still usable');
close $_ for @idle;
$h->stop;
done_testing;
