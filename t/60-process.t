# The process model: workers respawn, signals do what Apache's do, the
# pid file and the daemonized start behave, start-up errors are clear.
use strict;
use warnings;
use Test::More;
use Hearth qw(wait_until free_port slurp);
use IO::Socket::INET;

sub serving {
	my ($h) = @_;
	my ($st) = $h->get('/');
	return $st == 200;
}

# --- a worker killed with -9 is respawned; the server keeps answering
{
	my $h = Hearth->start(workers => 2);
	my @w = $h->worker_pids;
	is(scalar @w, 2, 'two workers');
	like($h->title, qr/^hearthd: master process \(generation 1\) -f \//,
	    'master process title');
	like($h->title($w[0]), qr/^hearthd: worker process \(generation 1\)/,
	    'worker process title');
	kill 'KILL', $w[0];
	ok(wait_until(sub { my @n = $h->worker_pids;
	    @n == 2 && !grep { $_ == $w[0] } @n }, 10), 'killed worker replaced');
	ok($h->error_log_like(qr/worker $w[0] \(generation 1\) killed by signal 9/),
	    'death logged with the signal');
	ok(serving($h), 'still serving') for 1 .. 5;
	is($h->stop, 0, 'TERM: exit status 0');
	ok(!-e $h->root . '/logs/hearthd.pid', 'TERM removes the pid file');
	ok(wait_until(sub { !grep { kill 0, $_ } @w }, 5), 'no worker left behind');
	ok($h->error_log_has(qr/caught Terminated|caught SIGTERM/), 'TERM logged');
}

# --- USR1 (graceful): rename the log, signal, a new log is written
{
	my $h = Hearth->start(workers => 2);
	ok(serving($h), 'serving before rotation');
	my $log = $h->access_log;
	$h->wait_access_lines(1);
	rename $log, "$log.1" or die;
	my @old = $h->worker_pids;
	$h->signal('USR1');
	ok(wait_until(sub { ($h->generation // 0) == 2 }, 10), 'generation 2 after USR1');
	ok(wait_until(sub { my @n = $h->worker_pids;
	    !grep { my $o = $_; grep { $_ == $o } @n } @old }, 10),
	    'old workers have exited');
	ok(serving($h), 'serving after USR1');
	ok(wait_until(sub { -s $log }, 5), 'a new access log is written');
	my @l1 = split /\n/, slurp("$log.1");
	is(scalar @l1, 1, 'the rotated log kept its line');
	ok($h->error_log_like(qr/generation 2 serving/), 'reload logged');

	# a bad config on reload: logged, old generation keeps serving
	my $good = slurp($h->conf_path);
	Hearth::spew($h->conf_path, $good . "wrokers = 3;\n");
	$h->signal('USR1');
	ok($h->error_log_like(qr/unknown key "wrokers".*did you mean "workers"/),
	    'bad config on reload is logged with a suggestion');
	ok($h->error_log_like(qr/still serving generation 2/), 'and the old one serves');
	ok(serving($h), 'still serving after a bad reload');
	is($h->generation, 2, 'generation unchanged');

	# HUP: restart now, with the fixed config
	Hearth::spew($h->conf_path, $good);
	$h->signal('HUP');
	ok(wait_until(sub { ($h->generation // 0) == 3 }, 10), 'HUP: generation 3');
	ok(serving($h), 'serving after HUP');

	# WINCH: graceful stop
	my @w = $h->worker_pids;
	$h->signal('WINCH');
	ok(wait_until(sub { !$h->alive }, 10), 'WINCH: master exits');
	ok(!grep({ kill 0, $_ } @w), 'WINCH: workers gone');
	ok(!-e $h->root . '/logs/hearthd.pid', 'WINCH removes the pid file');
}

# --- graceful stop lets an in-flight response finish, then closes the
# keep-alive connection.  The file is larger than the socket buffers on
# loopback can hold, so the response is still in flight at WINCH.
{
	my $size = 48 * 1024 * 1024;
	my $h = Hearth->start(workers => 1,
	    files => { 'htdocs/big.bin' => 'x' x $size });
	my $s = $h->connect;
	print $s "GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n";
	my $got = '';
	my $buf;
	sysread($s, $buf, 4096) and $got .= $buf;	# response has begun
	$h->signal('WINCH');
	ok($h->error_log_like(qr/caught SIGWINCH/), 'WINCH received');
	while (1) {
		my $r = sysread($s, $buf, 1 << 20);
		last unless $r;
		$got .= $buf;
	}
	my ($head, $body) = split /\r\n\r\n/, $got, 2;
	is(length($body // ''), $size,
	    'in-flight response finished during graceful stop');
	ok(wait_until(sub { !$h->alive }, 10),
	    'then the keep-alive connection closed and the server exited');
}

# --- a reload whose new log cannot be opened is logged, and the old
# descriptor keeps working (root can write anywhere: the new path is
# under a plain file, so it cannot exist)
{
	my $h = Hearth->start(workers => 1);
	my $conf = slurp($h->conf_path);
	Hearth::spew($h->root . '/plainfile', "x");
	(my $bad = $conf) =~ s{access_log = "logs/access_log";}{access_log = "plainfile/access_log";};
	Hearth::spew($h->conf_path, $bad);
	$h->signal('USR1');
	ok($h->error_log_like(qr/cannot open access log .*plainfile\/access_log: Not a directory; still serving generation 1/),
	    'a log that cannot be opened on reload is logged');
	my $before = () = $h->access_lines;
	ok(serving($h), 'still serving');
	ok(wait_until(sub { scalar($h->access_lines) > $before }, 5),
	    'and the old access log keeps getting lines');
	is($h->generation, 1, 'the old generation stays');
	$h->stop;
}

# --- a master killed with -9 takes its workers with it (the parent-death
# signal must be set after the privilege drop, which clears it)
{
	my $h = Hearth->start(workers => 2);
	my @w = $h->worker_pids;
	kill 'KILL', $h->pid;
	ok(wait_until(sub { !grep { my $st = slurp("/proc/$_/stat") // '';
	    $st =~ /^\d+ \(.*\) [^Z]/s } @w }, 10),
	    'workers exit when the master is killed with -9');
	$h->stop;
}

# --- daemonized start: returns once serving; "already running"; bind error
{
	my $h = Hearth->start(foreground => 0);
	ok($h->pid, 'daemonized start wrote the pid file');
	ok(serving($h), 'serving right after the start command returned');
	my $out = `$Hearth::HEARTHD -f @{[ $h->conf_path ]} 2>&1`;
	isnt($? >> 8, 0, 'second start fails');
	like($out, qr/already running \(pid $h->{pid}\)/, 'says already running');

	# another config on the same port
	my $h2 = Hearth->start(no_spawn => 1, port => $h->port);
	$out = `$Hearth::HEARTHD -f @{[ $h2->conf_path ]} 2>&1`;
	isnt($? >> 8, 0, 'start on a busy port fails');
	like($out, qr/cannot bind 127\.0\.0\.1:\d+: Address already in use/,
	    'clear bind error');
	ok(!-e $h2->root . '/logs/hearthd.pid', 'no pid file left by the failed start');
	my $pid = $h->pid;
	$h->stop;
	ok(wait_until(sub { !kill 0, $pid }, 5), 'daemon stopped by TERM');
}

# --- connections spread over the workers (one SO_REUSEPORT socket each)
SKIP: {
	skip 'ss (iproute2) not installed', 1
	    unless system('sh', '-c', 'command -v ss >/dev/null') == 0;
	my $h = Hearth->start(workers => 4, conf => "timeouts = { keepalive = 30; };\n");
	my @socks;
	for (1 .. 40) {
		my $s = $h->connect or next;
		print $s "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
		push @socks, $s;
	}
	for my $s (@socks) { sysread($s, my $buf, 65536) }
	my $port = $h->port;
	my %per;
	for (`ss -tnpH state established '( sport = :$port )'`) {
		$per{$1}++ while /pid=(\d+)/g;
	}
	my @counts = map { $per{$_} // 0 } $h->worker_pids;
	# a worker left out has probability 4 * (3/4)^40, about 4e-5
	ok(!grep({ $_ == 0 } @counts), "40 connections reach all 4 workers (@counts)");
	$h->stop;
}

# --- -X: one process, no workers
{
	my $h = Hearth->start(args => ['-X']);
	is(scalar $h->worker_pids, 0, '-X runs no worker processes');
	ok(serving($h), '-X serves');
	is($h->stop, 0, '-X stops on TERM');
}

done_testing;
