# The command line and the config, from the outside: -t, -T, -v, -h,
# bad options, every config error reported as file:line, server_root
# rules, a missing file; and the generated systemd unit verifies.
use strict;
use warnings;
use Test::More;
use Cwd qw(abs_path);
use File::Path qw(make_path);
use File::Temp qw(tempdir);
use Hearth qw(slurp spew);

my $SRCDIR = abs_path($ENV{HEARTH_SRCDIR} // '.');
my $BUILDDIR = abs_path($ENV{HEARTH_BUILDDIR} // $SRCDIR);
my $HEARTHD = $Hearth::HEARTHD;
my $HEARTHCTL = $ENV{HEARTHCTL} // "$BUILDDIR/src/hearthctl";
my $tmp = tempdir('hearth-config-XXXXXX', TMPDIR => 1,
    CLEANUP => !$ENV{HEARTH_KEEP});
$tmp = abs_path($tmp);
# as root, -t checks that the workers' user can reach the document root
chmod(0755, $tmp) or die "chmod $tmp: $!";

# Run hearthd; returns (exit status, stdout, stderr).
sub run {
	my (@args) = @_;
	my $pid = open(my $fh, '-|') // die "fork: $!";
	if ($pid == 0) {
		open STDERR, '>', "$tmp/stderr" or exit 127;
		exec $HEARTHD, @args;
		exit 127;
	}
	local $/;
	my $out = <$fh> // '';
	close $fh;
	my $st = $?;
	return ($st & 127 ? 128 + ($st & 127) : $st >> 8, $out,
	    slurp("$tmp/stderr") // '');
}

# A server root with what the shipped config names.
sub make_root {
	my ($dir) = @_;
	make_path("$dir/etc", "$dir/htdocs", "$dir/logs", "$dir/cgi-bin");
	system('cp', "$SRCDIR/etc/mime.types", "$dir/etc/") == 0 or die;
	return $dir;
}

my $shipped = "$SRCDIR/etc/httpd.conf";

# Is some directory above the source tree closed to other users (a
# checkout in a private directory, such as mktemp -d's)?
sub tree_private {
	my @parts = split m{/}, $SRCDIR;
	for my $i (1 .. $#parts - 1) {
		my $d = join('/', @parts[0 .. $i]) || '/';
		my @st = stat $d or next;
		return 1 unless $st[2] & 01;
	}
	return 0;
}

# -t checks the system too.  Three complaints are about this machine,
# not the config: a server someone runs on :8080 (the shipped config's
# and the default port), a source tree whose logs/ cannot be written
# (make distcheck makes it read-only), and one the run-as user cannot
# reach (as root, in a private directory).  Drop those lines; if nothing
# is left, take it as a pass.
sub run_shipped {
	my ($st, $out, $err) = run(@_);
	return ($st, $out, $err) unless $st == 1;
	my $logs = qr{ \Q$SRCDIR\E/logs(?:/\S+)?: };
	my $unreachable = qr{: document_root \Q$SRCDIR\E/htdocs is not readable by user };
	my @left = grep { !/: port 8080 of ":8080" is in use/ &&
	    !(/$logs/ && !-w "$SRCDIR/logs") &&
	    !(/$unreachable/ && tree_private()) && !/^\d+ errors?$/ }
	    split /\n/, $err;
	return ($st, $out, $err) if @left;
	diag "not this test's business: $err";
	return (0, "Syntax OK\n", '');
}

# --- -t on the shipped config
{
	my $root = make_root("$tmp/root");
	my ($st, $out, $err) = run_shipped('-t', '-f', $shipped, '-d', $root);
	is($st, 0, '-t on etc/httpd.conf, -d temp root: exit 0') or diag $err;
	is($out, "Syntax OK\n", '-t prints Syntax OK');
	is($err, '', '-t: nothing on stderr');
	($st, $out, $err) = run_shipped('-t', '-f', $shipped, '-d', $SRCDIR);
	is($st, 0, '-t on etc/httpd.conf, -d source tree: exit 0') or diag $err;
	is($out, "Syntax OK\n", 'Syntax OK for the source tree');
	# -t must not start anything or write anything
	ok(!-e "$root/logs/hearthd.pid" && !-e "$root/logs/error_log",
	    '-t writes no pid file and no log');
}

# --- several errors: all reported, counted, exit 1
{
	my $conf = "$tmp/bad/etc/httpd.conf";
	make_root("$tmp/bad");
	spew($conf, <<'EOF');
# three mistakes
workers = 0;

wrokers = 2;
listen = [ "127.0.0.1:99999" ];
log_level = "info";
EOF
	my ($st, $out, $err) = run('-t', '-f', $conf);
	is($st, 1, '3 errors: exit 1');
	is($out, '', '3 errors: nothing on stdout');
	my @lines = split /\n/, $err;
	is(scalar @lines, 4, '3 errors: 3 lines and a count') or diag $err;
	like($lines[0] // '', qr{^\Q$conf\E:2: workers must be between 1 and 256, not 0$},
	    'error 1: file:line: message');
	like($lines[1] // '', qr{^\Q$conf\E:4: unknown key "wrokers" \(did you mean "workers"\?\)$},
	    'error 2: file:line: message, with a suggestion');
	like($lines[2] // '', qr{^\Q$conf\E:5: bad port in listen address "127\.0\.0\.1:99999"$},
	    'error 3: file:line: message');
	is($lines[3], '3 errors', 'the count');

	# cgi: every entry checked, each error on its line; -T shows it
	spew($conf, <<'EOF2');
cgi = (
    { url = "cgi-bin/"; dir = "cgi-bin"; },
    { url = "/x/"; dir = "nowhere"; timeout = 0; },
    { url = "/y/"; dir = "cgi-bin"; extensions = [ "cgi" ]; tiemout = 3; },
    { url = "/z/"; }
);
EOF2
	($st, $out, $err) = run('-t', '-f', $conf);
	is($st, 1, 'bad cgi entries: exit 1');
	like($err, qr{^\Q$conf\E:2: cgi url "cgi-bin/" must start and end with '/'$}m,
	    'cgi url without a leading slash');
	like($err, qr{^\Q$conf\E:3: cgi timeout must be between 1 and \d+, not 0$}m,
	    'cgi timeout out of range');
	like($err, qr{^\Q$conf\E:3: cgi dir \Q$tmp\E/bad/nowhere: No such file}m,
	    'cgi dir that does not exist');
	like($err, qr{^\Q$conf\E:4: cgi extension "cgi" must start with '\.'$}m,
	    'cgi extension without a dot');
	like($err, qr{^\Q$conf\E:4: unknown key "tiemout" in cgi \(did you mean "timeout"\?\)$}m,
	    'unknown cgi key, with a suggestion');
	like($err, qr{^\Q$conf\E:5: each cgi entry needs url and dir$}m,
	    'cgi entry without dir');
	spew($conf, qq{cgi = ( { url = "/cgi-bin/"; dir = "cgi-bin"; extensions = [ ".cgi", ".pl" ]; } );\n});
	($st, $out, $err) = run('-T', '-f', $conf);
	is($st, 0, 'a good cgi entry: -T exit 0') or diag $err;
	like($out, qr{^  \{ url = "/cgi-bin/"; dir = "\Q$tmp\E/bad/cgi-bin"; timeout = 30; extensions = \[ "\.cgi", "\.pl" \]; \}$}m,
	    '-T shows the cgi entry with its absolute dir and default timeout');

	# a syntax error: one error, its line
	spew($conf, "workers = 2;\nlisten = [ \":80\" ;\n");
	($st, $out, $err) = run('-t', '-f', $conf);
	is($st, 1, 'syntax error: exit 1');
	like($err, qr{^\Q$conf\E:2: syntax error\n1 error\n$},
	    'syntax error: file:line and "1 error"');

	# without -t the errors are shown too, and it does not start
	spew($conf, "wrokers = 2;\n");
	($st, $out, $err) = run('-D', 'FOREGROUND', '-f', $conf);
	is($st, 1, 'bad config without -t: exit 1');
	like($err, qr{^\Q$conf\E:1: unknown key "wrokers"}m,
	    'bad config without -t: the error is shown');
	ok(!-e "$tmp/bad/logs/hearthd.pid", 'and nothing started');
}

# --- -T: the effective config, defaults filled in
{
	my $root = make_root("$tmp/dump");
	my $conf = "$root/etc/httpd.conf";
	spew($conf, "workers = 3;\n");
	my ($st, $out, $err) = run('-T', '-f', $conf);
	is($st, 0, '-T: exit 0') or diag $err;
	like($out, qr{^# effective configuration of \Q$conf\E$}m, '-T names the file');
	like($out, qr{^workers = 3;$}m, '-T shows a set value');
	like($out, qr{^listen = \[ ":8080" \];$}m, '-T shows the default listen');
	like($out, qr{^log_level = "notice";$}m, '-T shows the default log_level');
	like($out, qr{^pid_file = "\Q$root\E/logs/hearthd\.pid";$}m,
	    '-T shows absolute paths');
	like($out, qr{^timeouts = \{ header = 10; body = 30; keepalive = 5; send = 60; graceful = 30; \};$}m,
	    '-T shows default timeouts');
	like($out, qr{^limits = \{ request_line = 8192; .* max_connections = 4096; per_client = 0; \};$}m,
	    '-T shows default limits');

	# the dump is itself a valid config that dumps the same
	my $dump = $out;
	$dump =~ s/^# .*\n//;
	spew("$root/etc/dumped.conf", $dump);
	my ($st2, $out2) = run('-T', '-f', "$root/etc/dumped.conf");
	is($st2, 0, '-T output loads as a config');
	$out2 =~ s/^# .*\n//;
	is($out2, $dump, '-T of the -T output is the same');
}

# --- -v, -h, bad options
{
	my $cfg = slurp("$BUILDDIR/config.h") // '';
	my ($ver) = $cfg =~ /#define PACKAGE_VERSION "([^"]+)"/;
	my ($st, $out, $err) = run('-v');
	is($st, 0, '-v: exit 0');
	is($out, "hearth/" . ($ver // '?') . "\n", '-v prints the version');
	($st, $out, $err) = run('-h');
	is($st, 0, '-h: exit 0');
	like($out, qr/^usage: hearthd /, '-h: usage on stdout');
	like($out, qr/^\s+-t\s/m, '-h lists -t');
	is($err, '', '-h: nothing on stderr');
	($st, $out, $err) = run('-Z');
	is($st, 1, 'unknown option: exit 1');
	like($err, qr/^usage: hearthd /m, 'unknown option: usage on stderr');
	is($out, '', 'unknown option: nothing on stdout');
	($st, $out, $err) = run('-t', '-f', $shipped, 'extra');
	is($st, 1, 'extra argument: exit 1');
	like($err, qr/^usage: hearthd /m, 'extra argument: usage');
	($st, $out, $err) = run('-D', 'BACKGROUND');
	is($st, 1, '-D with another word: exit 1');
	like($err, qr/-D BACKGROUND/, '-D: says which');
}

# --- server_root: the key, else -d, else the parent of the config's dir
{
	my $a = make_root("$tmp/sr-a");
	my $b = make_root("$tmp/sr-b");
	spew("$a/etc/httpd.conf", "workers = 2;\n");
	my ($st, $out) = run('-T', '-f', "$a/etc/httpd.conf");
	like($out, qr{^server_root = "\Q$a\E";$}m,
	    'no key, no -d: the parent of the config\'s directory');
	like($out, qr{^document_root = "\Q$a\E/htdocs";$}m,
	    'and paths resolve against it');
	($st, $out) = run('-T', '-f', "$a/etc/httpd.conf", '-d', $b);
	like($out, qr{^server_root = "\Q$b\E";$}m, '-d sets server_root');
	like($out, qr{^document_root = "\Q$b\E/htdocs";$}m,
	    'paths resolve against -d');
	# relative -d and -f are taken from the working directory
	my $pid = open(my $fh, '-|') // die;
	if ($pid == 0) {
		chdir $tmp or exit 127;
		open STDERR, '>', '/dev/null';
		exec $HEARTHD, '-T', '-f', 'sr-a/etc/httpd.conf', '-d', 'sr-b';
		exit 127;
	}
	$out = do { local $/; <$fh> } // '';
	close $fh;
	like($out, qr{^server_root = "\Q$b\E";$}m, 'relative -d made absolute');
	like($out, qr{^# effective configuration of \Q$a\E/etc/httpd\.conf$}m,
	    'relative -f made absolute');
	spew("$a/etc/httpd.conf", "server_root = \"$b\";\n");
	($st, $out) = run('-T', '-f', "$a/etc/httpd.conf", '-d', $a);
	like($out, qr{^server_root = "\Q$b\E";$}m, 'the key wins over -d');
	($st, $out, my $err) = run_shipped('-t', '-f', "$a/etc/httpd.conf",
	    '-d', "$tmp/nowhere");
	is($st, 0, 'an unused -d need not exist');
	spew("$a/etc/httpd.conf", "workers = 2;\n");
	($st, $out, $err) = run('-t', '-f', "$a/etc/httpd.conf", '-d',
	    "$tmp/nowhere");
	is($st, 1, 'a -d that does not exist: exit 1');
	like($err, qr{server_root \Q$tmp\E/nowhere: No such file or directory},
	    'a -d that does not exist: says so');
}

# --- a config file that is not there
{
	my ($st, $out, $err) = run('-t', '-f', "$tmp/missing.conf");
	is($st, 1, 'missing config: exit 1');
	like($err, qr{^\Q$tmp\E/missing\.conf:\d+: cannot read: No such file or directory$}m,
	    'missing config: names the file and the reason');
	($st, $out, $err) = run('-D', 'FOREGROUND', '-f', "$tmp/missing.conf");
	is($st, 1, 'missing config without -t: exit 1');
	like($err, qr{\Q$tmp\E/missing\.conf}, 'and names the file');
	mkdir "$tmp/a-dir";
	($st, $out, $err) = run('-t', '-f', "$tmp/a-dir");
	is($st, 1, 'config that is a directory: exit 1');
	like($err, qr{\Q$tmp\E/a-dir}, 'and names it');
}

# --- the systemd unit
SKIP: {
	my ($sa) = grep { -x } map { "$_/systemd-analyze" } split /:/, $ENV{PATH};
	skip 'systemd-analyze is not installed', 4 unless $sa;
	my $unit = "$BUILDDIR/etc/hearth.service";
	ok(-f $unit, 'etc/hearth.service was generated') or
	    skip 'no generated unit', 3;
	# The unit names the install paths; point it at this build.
	my $text = slurp($unit);
	$text =~ s{^ExecStart=\S+}{ExecStart=$HEARTHD}m;
	$text =~ s{^ExecReload=\S+}{ExecReload=$HEARTHCTL}m;
	make_path("$tmp/unit", "$tmp/unit-bad");
	spew("$tmp/unit/hearth.service", $text);
	my $man = `$sa verify --help 2>&1` =~ /--man/ ? '--man=no' : '';
	my $out = `$sa verify $man $tmp/unit/hearth.service 2>&1`;
	is($?, 0, 'systemd-analyze verify passes') or diag $out;
	unlike($out, qr/\S/, 'and has nothing to say') or diag $out;
	# the check can fail: the same unit with a missing binary does
	$text =~ s{^ExecStart=\S+}{ExecStart=$tmp/no/hearthd}m;
	spew("$tmp/unit-bad/hearth.service", $text);
	$out = `$sa verify $man $tmp/unit-bad/hearth.service 2>&1`;
	isnt($?, 0, 'verify fails for a missing ExecStart binary') or diag $out;
}

done_testing;
