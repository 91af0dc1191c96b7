#!/usr/bin/perl
#
# The Debian package, end to end (issue 13, "Installed from a package"):
# build it from the tracked files with dpkg-buildpackage, lintian it,
# install it with apt, check what it put where, run the installed hearthd
# on a free loopback port, then remove and purge it and check what is left.
#
# It installs and purges a system package, so it runs only as root, on
# Debian, and only when HEARTH_DEB_TEST=1 (CI sets it, on a throw-away
# machine).  It replaces any installed "hearth" package.  Everything it
# runs is bounded by timeout(1); it stops only the hearthd it started.

use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use POSIX ();
use Time::HiRes qw(time);
use Hearth qw(wait_until free_port slurp spew);

plan skip_all => 'set HEARTH_DEB_TEST=1 to build and install the .deb ' .
    '(root on a throw-away Debian machine; CI does)'
    unless ($ENV{HEARTH_DEB_TEST} // '') eq '1';
plan skip_all => 'needs root: it installs and purges a package'
    unless $> == 0;
plan skip_all => 'not Debian: no dpkg or apt-get'
    unless have('dpkg') && have('apt-get');
# The package is built from the tracked files, so the source tree must
# be a checkout with debian/ in it (not a tarball, nor a copy such as
# CI's _build-asan, which lies inside the checkout but tracks nothing).
my $src = $ENV{HEARTH_SRCDIR} // '.';
plan skip_all => "$src is not a git checkout that tracks debian/rules"
    unless have('git') && system("git -C '$src' ls-files " .
    "--error-unmatch debian/rules >/dev/null 2>&1") == 0;

$ENV{DEBIAN_FRONTEND} = 'noninteractive';
# "make check" runs us: keep its jobserver and flags out of the package
# build, and the test harness's paths out of the installed hearthctl.
delete @ENV{qw(MAKEFLAGS MFLAGS MAKELEVEL MAKEFILES HEARTHD HEARTHCTL
    HEARTH_CONF HEARTHCTL_TIMEOUT)};

my $tmp = tempdir('hearth-deb.XXXXXX', TMPDIR => 1, CLEANUP => 1);
my $log = "$tmp/log";
my %took;		# step => seconds, reported at the end
my $installed;		# we installed the package: purge it on the way out
my $test_conf;		# the config of the hearthd we start
my $stash;		# an earlier /var/www/hearth, put back at the end

END { cleanup() }

# ---------------------------------------------------------------- helpers

sub have { system("command -v '$_[0]' >/dev/null 2>&1") == 0 }

# Run a command under timeout(1) with its output in $log.  Returns the
# exit code; on failure the end of the output goes to diag.
sub run
{
	my ($secs, $cmd) = @_;
	my $rc = system('timeout', '-k', '10', $secs, 'sh', '-c',
	    "$cmd >'$log' 2>&1") >> 8;
	if ($rc != 0) {
		diag("\$ $cmd\nexit $rc" .
		    ($rc == 124 ? " (timed out after $secs s)" : ''));
		diag(tail(slurp($log) // '', 40));
	}
	return $rc;
}

# run() with its duration recorded under $step.
sub timed
{
	my ($step, $secs, $cmd) = @_;
	my $t0 = time;
	my $rc = run($secs, $cmd);
	$took{$step} = time - $t0;
	return $rc;
}

sub tail
{
	my ($text, $n) = @_;
	my @l = split /\n/, $text;
	splice @l, 0, @l - $n if @l > $n;
	return join("\n", @l);
}

sub pkg_status
{
	my $s = qx{dpkg-query -W -f='\${Status}' hearth 2>/dev/null};
	return $s eq '' ? 'not-installed' : $s;
}

sub mode_owner
{
	my @st = stat $_[0] or return '';
	return sprintf('%04o %s:%s', $st[2] & 07777,
	    scalar getpwuid($st[4]) // $st[4],
	    scalar getgrgid($st[5]) // $st[5]);
}

sub pid_of
{
	my ($file) = @_;
	my $p = slurp($file) // return undef;
	return $p =~ /^(\d+)/ ? $1 : undef;
}

# The user name of each child of $ppid (the workers of a master).
sub child_users
{
	my ($ppid) = @_;
	my @users;
	for my $st (glob '/proc/[0-9]*/status') {
		my $s = slurp($st) // next;
		next unless $s =~ /^PPid:\s+(\d+)$/m && $1 == $ppid;
		push @users, scalar getpwuid($1) // $1
		    if $s =~ /^Uid:\s+\d+\s+(\d+)/m;
	}
	return @users;
}

# A pid that is gone, or a zombie: hearthctl's daemonized master is
# reparented to PID 1, which in a container may be slow to reap it.
sub gone
{
	my $st = slurp("/proc/$_[0]/stat") // return 1;
	return $st =~ /\) Z /;
}

sub cleanup
{
	my $code = $?;
	if ($test_conf && -e $test_conf && -x '/usr/sbin/hearthctl') {
		system("timeout 60 /usr/sbin/hearthctl -f '$test_conf' stop " .
		    ">/dev/null 2>&1");
	}
	if ($installed && pkg_status() ne 'not-installed') {
		diag('purging the hearth package left by a failed run');
		system('timeout 300 dpkg --purge hearth >/dev/null 2>&1');
	}
	if ($stash && -e $stash) {
		system('rm', '-rf', '/var/www/hearth');
		rename($stash, '/var/www/hearth') or
		    diag("cannot put $stash back: $!");
	}
	$? = $code;
}

# ---------------------------------------------------------------- tools

# What dpkg-buildpackage, lintian and this test need, then the package's
# Build-Depends.  apt-get update only when something is missing.
my @tools = qw(dpkg-dev debhelper fakeroot lintian curl);
my @missing = grep {
	qx{dpkg-query -W -f='\${Status}' $_ 2>/dev/null} ne
	    'install ok installed'
} @tools;
my $copy = "$tmp/hearth";
mkdir $copy or die "$copy: $!";
is(run(120, "cd '$src' && git ls-files -z | " .
    "xargs -0 cp -P --parents -t '$copy'"), 0,
    'copied the tracked files of the source tree');
ok(-x "$copy/debian/rules", 'the copy has debian/rules');

if (@missing || run(60, "cd '$copy' && dpkg-checkbuilddeps") != 0) {
	my $rc = timed('tools', 900, 'apt-get update -qq && ' .
	    "apt-get install -y -qq --no-install-recommends @tools && " .
	    "cd '$copy' && apt-get build-dep -y -qq ./");
	is($rc, 0, 'installed the build tools and Build-Depends' .
	    (@missing ? " (@missing)" : ''))
	    or BAIL_OUT('cannot build without them');
}

# ---------------------------------------------------------------- build

my $rc = timed('build', 1200,
    # nocheck: the unit tests already ran in this make check; run again
    # inside the build, beside the rest of the suite on a loaded machine,
    # their concurrency tests only add noise to a packaging test
    "cd '$copy' && DEB_BUILD_OPTIONS=nocheck dpkg-buildpackage -us -uc -b");
is($rc, 0, 'dpkg-buildpackage -us -uc -b') or BAIL_OUT('no package');
my ($deb) = glob "$tmp/hearth_*.deb";
ok($deb && -f $deb, 'built ' . ($deb // 'nothing') =~ s{.*/}{}r)
    or BAIL_OUT('no hearth_*.deb');

my $t0 = time;
# Root gets a warning that is about lintian, not the package.
my $lint = join '', grep { !/running with root privileges/ }
    qx{timeout 600 lintian --no-cfg --display-info '$deb' 2>&1};
$took{lintian} = time - $t0;
my @errors = grep { /^E: / } split /\n/, $lint;
is(scalar @errors, 0, 'lintian reports no error') or diag($lint);
note("lintian:\n" . ($lint eq '' ? "(nothing)\n" : $lint));
note('contents:' . qx{dpkg-deb -c '$deb'});

# ---------------------------------------------------------------- install

if (pkg_status() ne 'not-installed') {
	is(run(300, 'dpkg --purge hearth'), 0,
	    'purged the hearth package that was there before');
}
# postinst copies the default site only where there is no
# /var/www/hearth (an admin's site is never overwritten): set aside one
# that an earlier install left.
if (-e '/var/www/hearth') {
	$stash = "/var/www/hearth.90-deb.$$";
	rename('/var/www/hearth', $stash) or BAIL_OUT("/var/www/hearth: $!");
	note("moved the existing /var/www/hearth to $stash for the test");
}
$installed = 1;
$rc = timed('install', 600, "apt-get install -y -q '$deb'");
is($rc, 0, 'apt-get install ./hearth_*.deb') or BAIL_OUT('not installed');
is(pkg_status(), 'install ok installed', 'dpkg says installed');

for my $f (qw(/usr/sbin/hearthd /usr/sbin/hearthctl /usr/bin/hearth-get)) {
	ok(-x $f, "$f is installed");
}
for my $f (qw(/etc/hearth/httpd.conf /etc/logrotate.d/hearth
    /lib/systemd/system/hearth.service /usr/lib/tmpfiles.d/hearth.conf
    /usr/share/man/man8/hearthd.8.gz /usr/share/man/man8/hearthctl.8.gz
    /usr/share/man/man5/httpd.conf.5.gz /usr/share/man/man1/hearth-get.1.gz
    /usr/share/doc/hearth/copyright /var/www/hearth/index.html)) {
	ok(-f $f, "$f is there");
}
like(qx{dpkg-query -W -f='\${Conffiles}' hearth},
    qr{^ /etc/hearth/httpd\.conf [0-9a-f]{32}$}m,
    '/etc/hearth/httpd.conf is a conffile');
ok(!-e '/etc/hearth/mime.types', 'no unused /etc/hearth/mime.types');
ok(-l '/etc/systemd/system/multi-user.target.wants/hearth.service',
    'hearth.service is enabled');
is(mode_owner('/var/log/hearth'), '0750 root:adm',
    '/var/log/hearth is root:adm 0750');
ok(-d '/run/hearth', '/run/hearth is there (systemd-tmpfiles)');

my @pw = getpwnam('hearth');
ok(@pw, 'the hearth user exists');
SKIP: {
	skip 'no hearth user', 3 unless @pw;
	cmp_ok($pw[2], '<', 1000, "hearth is a system user (uid $pw[2])");
	is(scalar getgrgid($pw[3]), 'hearth', 'its group is hearth');
	like($pw[8], qr{/nologin$|/false$}, "it cannot log in ($pw[8])");
}

my $out = qx{timeout 60 hearthctl configtest 2>&1};
is($? >> 8, 0, 'hearthctl configtest exits 0');
like($out, qr/^Syntax OK$/m, 'hearthctl configtest: Syntax OK')
    or diag($out);
like(qx{hearthctl -v 2>&1}, qr/^hearthctl \(hearth\) \d/,
    'hearthctl -v');

# ---------------------------------------------------------------- serve

# The installed config with only the port changed (:80 may be taken),
# so the test runs the real layout: /var/www/hearth read by the hearth
# user, logs in /var/log/hearth, the pid file in /run/hearth.  Under a
# running systemd the package has started the service with that pid
# file, so ours goes elsewhere.
my $systemd = -d '/run/systemd/system';
my $port = free_port();
my $pidfile = $systemd ? "$tmp/hearthd.pid" : '/run/hearth/hearthd.pid';
my $conf = slurp('/etc/hearth/httpd.conf');
ok($conf =~ s/^listen = \[ ":80" \];$/listen = [ "127.0.0.1:$port" ];/m,
    'the installed config listens on :80');
$conf =~ s{^pid_file = .*$}{pid_file = "$pidfile";}m;
$test_conf = "$tmp/httpd.conf";
spew($test_conf, $conf);

$t0 = time;
$out = qx{timeout 60 hearthctl -f '$test_conf' start 2>&1};
$took{start} = time - $t0;
is($? >> 8, 0, "hearthctl start on 127.0.0.1:$port") or diag($out);
my $pid = pid_of($pidfile);
ok($pid, "the pid file names the master ($pidfile)");

SKIP: {
	skip 'hearthd did not start', 7 unless $pid;
	my $url = "http://127.0.0.1:$port";
	$out = qx{curl -sS -m 10 -o '$tmp/index' -w '%{http_code}' '$url/'};
	is($out, '200', 'GET / is 200');
	like(slurp("$tmp/index") // '', qr/It works/,
	    'and it is the default site from /var/www/hearth');
	$out = qx{curl -sS -m 10 -o /dev/null -w '%{content_type}' \\
	    '$url/style.css'};
	like($out, qr{^text/css}, "style.css is text/css (/etc/mime.types)");
	my @users = child_users($pid);
	ok(@users && !grep({ $_ ne 'hearth' } @users),
	    "the workers run as hearth (@users)");
	ok(wait_until(sub {
		(slurp('/var/log/hearth/access_log') // '') =~
		    m{"GET / HTTP/1\.1" 200 };
	}, 10), 'the request is in /var/log/hearth/access_log');

	$out = qx{timeout 60 hearthctl -f '$test_conf' stop 2>&1};
	is($? >> 8, 0, 'hearthctl stop') or diag($out);
	ok(gone($pid), "the master (pid $pid) is gone");
}

# Without systemd, removing the package stops a hearthd that hearthctl
# started with the default pid file (prerm runs "hearthctl stop").
my $left;
if (!$systemd) {
	$out = qx{timeout 60 hearthctl -f '$test_conf' start 2>&1};
	is($? >> 8, 0, 'started again, to be stopped by apt-get remove')
	    or diag($out);
	$left = pid_of($pidfile);
}

# ---------------------------------------------------------------- remove

$rc = timed('remove', 300, 'apt-get remove -y -q hearth');
is($rc, 0, 'apt-get remove hearth');
is(pkg_status(), 'deinstall ok config-files', 'only its conffiles are left');
ok(-f '/etc/hearth/httpd.conf', 'the conffile stays');
ok(!-e '/usr/sbin/hearthd', 'the binaries are gone');
ok(-d '/var/log/hearth', 'the logs stay until purge');
ok(scalar getpwnam('hearth'), 'the user stays until purge');
SKIP: {
	skip 'systemd runs: its unit was stopped instead', 1 if $systemd;
	ok($left && wait_until(sub { gone($left) }, 30),
	    'prerm stopped the hearthd that hearthctl started');
}

# ---------------------------------------------------------------- purge

# An admin's own page stays; the default site's untouched files go.
spew('/var/www/hearth/mine.html', "mine\n");
$rc = timed('purge', 300, 'apt-get purge -y -q hearth');
is($rc, 0, 'apt-get purge hearth');
is(pkg_status(), 'not-installed', 'dpkg knows it no more');
$installed = 0;
ok(!-e '/etc/hearth', '/etc/hearth is gone');
ok(!-e '/etc/logrotate.d/hearth', '/etc/logrotate.d/hearth is gone');
ok(!-e '/var/log/hearth', '/var/log/hearth is gone');
ok(!defined getpwnam('hearth'), 'the hearth user is gone');
ok(!defined getgrnam('hearth'), 'the hearth group is gone');
ok(!-e '/var/www/hearth/index.html', 'the default site is gone');
ok(-f '/var/www/hearth/mine.html', "but the admin's own page stays");
unlink '/var/www/hearth/mine.html';
rmdir '/var/www/hearth';
# the END block puts back what was there before

note(sprintf("timings: %s", join(', ',
    map { sprintf('%s %.1f s', $_, $took{$_}) } sort keys %took)));
done_testing();
