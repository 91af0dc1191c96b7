#!/usr/bin/perl
#
# hearthctl(8): every verb, its exit code, and that it waited for the
# effect before returning.  The server is started by hearthctl itself
# (daemonized), so the harness is only used to lay out a server root.

use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use POSIX ();
use Hearth;

my $ctl = $ENV{HEARTHCTL} or plan skip_all => 'HEARTHCTL is not set';
my $hearthd = $ENV{HEARTHD} or plan skip_all => 'HEARTHD is not set';

# Lay out a server root, then stop the harness's own server: from here on
# hearthctl starts and stops it.
my $h = Hearth->start(workers => 2, foreground => 1);
my $conf = $h->conf_path;
$h->stop;

my $tmp = tempdir(CLEANUP => 1);
my $good_conf = slurp($conf);
my $pid_file = pid_file_of($conf);
ok($pid_file, "hearthd -T names the pid file ($pid_file)");

# Whatever happens, leave no daemon behind.
END { kill_leftover() }

# ---------------------------------------------------------------- helpers

sub slurp
{
	my ($path) = @_;
	open my $fh, '<', $path or return undef;
	local $/;
	return scalar <$fh>;
}

sub spew
{
	my ($path, $text) = @_;
	open my $fh, '>', $path or die "$path: $!";
	print $fh $text;
	close $fh or die "$path: $!";
}

sub pid_file_of
{
	my ($file) = @_;
	my $out = qx{"$hearthd" -f "$file" -T 2>/dev/null};
	my ($p) = $out =~ /^\s*pid_file\s*=\s*"(.*)";\s*$/m;
	return $p // $h->root . '/logs/hearthd.pid';
}

# Run hearthctl with output to files, not pipes: the daemon it starts must
# not be able to hold our read end open.  Returns (exit code, stdout, stderr).
sub ctl
{
	my (@args) = @_;
	my %env = ref $args[0] eq 'HASH' ? %{ shift @args } : ();
	my ($out, $err) = ("$tmp/out", "$tmp/err");
	my $pid = fork // die "fork: $!";
	if ($pid == 0) {
		$ENV{$_} = $env{$_} for keys %env;
		open STDIN, '<', '/dev/null' or die;
		open STDOUT, '>', $out or die;
		open STDERR, '>', $err or die;
		exec $ctl, '-f', $conf, @args;
		exit 127;
	}
	waitpid $pid, 0;
	my $rc = $? & 127 ? 128 + ($? & 127) : $? >> 8;
	return ($rc, slurp($out) // '', slurp($err) // '');
}

sub file_pid
{
	my $p = slurp($pid_file) // return undef;
	return $p =~ /^(\d+)\s*$/ ? $1 : undef;
}

sub is_hearthd
{
	my ($pid) = @_;
	my $cmd = slurp("/proc/$pid/cmdline") // return 0;
	return $cmd =~ /hearthd/;
}

# status -> (exit code, pid, generation)
sub status
{
	my ($rc, $out) = ctl('status');
	my ($pid, $gen) =
	    $out =~ /hearthd \(pid (\d+)\) is running, generation (\d+)/;
	return ($rc, $pid, $gen);
}

sub serving
{
	# The harness may die on a refused connection; that is "not serving".
	my ($st) = eval { $h->get('/') };
	return defined $st && $st == 200;
}

sub kill_leftover
{
	my $pid = file_pid() or return;
	kill 'TERM', $pid if is_hearthd($pid);
}

# A config that fails to parse, and says where.
sub break_conf
{
	spew($conf, $good_conf . "\nworkers = \"two\"\n");
}

sub mend_conf
{
	spew($conf, $good_conf);
}

# ---------------------------------------------------------------- usage

{
	my ($rc, $out) = ctl('-h');
	is($rc, 0, '-h exits 0');
	like($out, qr/usage: hearthctl/, '-h prints usage');

	($rc) = ctl();
	is($rc, 2, 'no command: exit 2');

	($rc, undef, my $err) = ctl('frobnicate');
	is($rc, 2, 'unknown command: exit 2');
	like($err, qr/unknown command/, 'unknown command is named');

	($rc) = ctl({ HEARTHCTL_TIMEOUT => 'soon' }, 'status');
	is($rc, 2, 'bad HEARTHCTL_TIMEOUT: exit 2');
}

# ---------------------------------------------------------------- configtest

{
	my ($rc, $out) = ctl('configtest');
	is($rc, 0, 'configtest on a good config exits 0');
	like($out, qr/^Syntax OK$/m, 'configtest says Syntax OK');

	break_conf();
	my $err;
	($rc, $out, $err) = ctl('configtest');
	is($rc, 1, 'configtest on a bad config exits 1');
	like($err, qr/httpd\.conf:\d+: /, 'configtest error says file:line');
	mend_conf();
}

# ---------------------------------------------------------------- stopped

{
	unlink $pid_file;
	my ($rc, $out) = ctl('status');
	is($rc, 3, 'status when stopped: exit 3');
	like($out, qr/not running/, 'status says not running');

	# A pid file naming a live process that is not hearthd, as after a
	# crash and pid reuse.  It must not be signalled.
	my $other = fork // die "fork: $!";
	if ($other == 0) {
		exec 'sleep', '60';
		exit 127;
	}
	spew($pid_file, "$other\n");
	($rc, $out) = ctl('status');
	is($rc, 3, 'status with a stale pid file: exit 3');
	like($out, qr/stale pid file/, 'status names the stale pid file');

	($rc, $out) = ctl('stop');
	is($rc, 0, 'stop with a stale pid file: exit 0');
	is(waitpid($other, POSIX::WNOHANG()), 0,
	    'stop did not signal the recycled pid');
	kill 'KILL', $other;
	waitpid $other, 0;
	unlink $pid_file;

	($rc, $out) = ctl('stop');
	is($rc, 0, 'stop when stopped: exit 0');
	like($out, qr/not running/, 'stop says not running');

	($rc, $out) = ctl('graceful');
	is($rc, 7, 'graceful when stopped: exit 7, and does not start it');
	ok(!-e $pid_file, 'graceful did not start hearthd');

	($rc) = ctl({ HEARTHD => "$tmp/no-such-hearthd" }, 'status');
	is($rc, 4, 'status without a hearthd binary: exit 4');
	($rc) = ctl({ HEARTHD => "$tmp/no-such-hearthd" }, 'start');
	is($rc, 5, 'start without a hearthd binary: exit 5');
}

# ---------------------------------------------------------------- start

my $master;
{
	my ($rc, $out, $err) = ctl('start');
	is($rc, 0, 'start exits 0') or diag $err;
	$master = file_pid();
	ok($master, 'start wrote the pid file');
	ok($master && is_hearthd($master), 'pid file names a live hearthd');
	ok(serving(), 'serving after start returned');

	my ($src, $spid, $gen) = status();
	is($src, 0, 'status when running: exit 0');
	is($spid, $master, 'status names the pid in the pid file');
	is($gen, 1, 'first generation is 1');

	($rc, $out) = ctl('start');
	is($rc, 0, 'start when running exits 0');
	like($out, qr/hearthd \(pid $master\) already running/,
	    'start when running says so');
	is(file_pid(), $master, 'start when running left the master alone');
}

# ---------------------------------------------------------------- graceful

{
	my ($rc, $out, $err) = ctl('graceful');
	is($rc, 0, 'graceful exits 0') or diag $err;
	like($out, qr/^graceful restart: generation 2$/m,
	    'graceful prints the new generation');
	my ($src, $spid, $gen) = status();
	is($gen, 2, 'generation was 2 when graceful returned');
	is($spid, $master, 'graceful kept the master');
	ok(serving(), 'serving after graceful');
}

# ---------------------------------------------------------------- restart

{
	break_conf();
	my ($rc, $out, $err) = ctl('restart');
	is($rc, 1, 'restart with a bad config exits 1');
	like($err, qr/httpd\.conf:\d+: /, 'restart shows the config errors');
	my ($src, $spid, $gen) = status();
	is($src, 0, 'server still running after a refused restart');
	is($spid, $master, 'same master after a refused restart');
	is($gen, 2, 'still generation 2 after a refused restart');
	ok(serving(), 'still serving after a refused restart');

	($rc, $out, $err) = ctl('graceful');
	is($rc, 1, 'graceful with a bad config exits 1');
	(undef, undef, $gen) = status();
	is($gen, 2, 'still generation 2 after a refused graceful');
	mend_conf();

	($rc, $out, $err) = ctl('restart');
	is($rc, 0, 'restart exits 0') or diag $err;
	($src, $spid, $gen) = status();
	is($gen, 3, 'restart advanced the generation before returning');
	is($spid, $master, 'restart kept the master');
	ok(serving(), 'serving after restart');
}

# ---------------------------------------------------------------- graceful-stop

{
	my ($rc, $out, $err) = ctl('graceful-stop');
	is($rc, 0, 'graceful-stop exits 0') or diag $err;
	ok(!is_hearthd($master), 'master gone when graceful-stop returned');
	ok(!-e $pid_file, 'pid file gone after graceful-stop');
	($rc) = status();
	is($rc, 3, 'status after graceful-stop: exit 3');
}

# ---------------------------------------------------------------- restart
# when stopped starts it; stop

{
	my ($rc, $out, $err) = ctl('restart');
	is($rc, 0, 'restart when stopped exits 0') or diag $err;
	$master = file_pid();
	ok($master && is_hearthd($master), 'restart when stopped started it');
	ok(serving(), 'serving after restart from stopped');

	($rc, $out, $err) = ctl('stop');
	is($rc, 0, 'stop exits 0') or diag $err;
	ok(!is_hearthd($master), 'master gone when stop returned');
	ok(!-e $pid_file, 'pid file gone after stop');
	ok(!serving(), 'not serving after stop');
	($rc) = status();
	is($rc, 3, 'status after stop: exit 3');
}

done_testing();
