# The load balancer's health path, SIGUSR2 draining and hearthctl drain.
use strict;
use warnings;
use Test::More;
use Hearth qw(wait_until);

my $h = Hearth->start(conf => <<'EOF2');
health = { path = "/healthz"; log = false; drain_seconds = 1; };
EOF2

my ($st, $hd, $body) = $h->get('/healthz');
is($st, 200, 'health path answers 200 while serving');
is($body, "ok\n", 'body says ok');
is($hd->{'cache-control'}, 'no-store', 'never cached');
($st, $hd, $body) = $h->get('/healthz?probe=1');
is($st, 200, 'a query string does not matter');
($st) = $h->get('/');
is($st, 200, 'the site is served');
my @lines = $h->wait_access_lines(1);
is(scalar(grep { m{/healthz} } @lines), 0, 'health checks are not logged (log = false)');
is(scalar @lines, 1, 'the other request is');

$h->signal('USR2');
ok($h->error_log_like(qr/caught SIGUSR2: draining/), 'USR2 logged');
ok(wait_until(sub { ($h->get('/healthz'))[0] == 503 }, 5),
    'health path answers 503 after USR2');
($st, $hd, $body) = $h->get('/healthz');
is($body, "draining\n", 'body says draining');
($st) = $h->get('/');
is($st, 200, 'everything else is still served while draining');

# a worker respawned during the drain starts out draining too
my @w = $h->worker_pids;
kill 'KILL', $w[0];
ok(wait_until(sub { my @n = $h->worker_pids; @n == 2 && !grep { $_ == $w[0] } @n }, 10),
    'worker respawned');
my $ok = 1;
for (1 .. 6) { $ok = 0 if ($h->get('/healthz'))[0] != 503 }
ok($ok, 'respawned workers keep answering 503');
$h->stop;

# health.log = true logs them
$h = Hearth->start(conf => "health = { log = true; };\n");
($st) = $h->get('/healthz');
is($st, 200, 'default health path is /healthz');
ok(wait_until(sub { grep { m{"GET /healthz HTTP/1\.1" 200 3 } } $h->access_lines }, 5),
    'logged with log = true');
$h->stop;

# no health group: /healthz is just a file path
$h = Hearth->start;
($st) = $h->get('/healthz');
is($st, 404, 'without a health group there is no health path');

# hearthctl drain: 503 at once, then a graceful stop after drain_seconds
$h->stop;
my $ctl = $ENV{HEARTHCTL} // "$ENV{HEARTH_BUILDDIR}/src/hearthctl";
$h = Hearth->start(foreground => 0, conf =>
    "health = { drain_seconds = 2; };\n");
my $pid = $h->pid;
my $t0 = time;
my $child = fork // die;
if ($child == 0) {
	exec $ctl, '-f', $h->conf_path, 'drain';
	exit 127;
}
ok(wait_until(sub { ($h->get('/healthz'))[0] == 503 }, 5), 'drain: 503 at once');
($st) = $h->get('/');
is($st, 200, 'drain: still serving files');
waitpid $child, 0;
is($? >> 8, 0, 'hearthctl drain exits 0');
ok(time - $t0 >= 2, 'it waited drain_seconds');
ok(wait_until(sub { !kill(0, $pid) }, 5), 'and the server has stopped');

# a health path that is not a path
$h = Hearth->start(no_spawn => 1, conf => "health = { path = \"healthz\"; };\n");
my $out = `$Hearth::HEARTHD -t -f @{[ $h->conf_path ]} 2>&1`;
like($out, qr/httpd\.conf:\d+: health path must start with '\/'/, 'bad health path is a config error');

done_testing;
