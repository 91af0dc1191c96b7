#!/usr/bin/perl
#
# hearthd -t beyond the file: the document root must be readable by the
# run-as user, the log directories writable, the ports free (naming the
# holder); a port held by hearthd on this very config is not an error, so
# hearthctl graceful still works, and prints the settings it changed.

use strict;
use warnings;
use Test::More;
use File::Path qw(make_path);
use File::Temp qw(tempdir);
use IO::Socket::INET;
use Hearth qw(slurp spew free_port);

my $HEARTHD = $Hearth::HEARTHD;
my $ctl = $ENV{HEARTHCTL} // "$ENV{HEARTH_BUILDDIR}/src/hearthctl";
my $tmp = tempdir('hearth-configtest-XXXXXX', TMPDIR => 1,
    CLEANUP => !$ENV{HEARTH_KEEP});
chmod 0755, $tmp;

# Run a command with stdout and stderr to files: (exit, stdout, stderr).
sub run {
	my (@cmd) = @_;
	my $pid = fork // die "fork: $!";
	if ($pid == 0) {
		open STDIN, '<', '/dev/null';
		open STDOUT, '>', "$tmp/out" or exit 127;
		open STDERR, '>', "$tmp/err" or exit 127;
		exec @cmd;
		exit 127;
	}
	waitpid $pid, 0;
	return ($? & 127 ? 128 + ($? & 127) : $? >> 8,
	    slurp("$tmp/out") // '', slurp("$tmp/err") // '');
}

# A server root at $dir with a config; returns the config's path.
sub root_with {
	my ($dir, $text) = @_;
	make_path("$dir/etc", "$dir/htdocs", "$dir/logs");
	chmod 0755, $dir;
	spew("$dir/htdocs/index.html", "hi\n");
	system('cp', "$ENV{HEARTH_SRCDIR}/etc/mime.types", "$dir/etc/") == 0
	    or die "cp mime.types";
	spew("$dir/etc/httpd.conf", "server_root = \"$dir\";\n" . $text);
	return "$dir/etc/httpd.conf";
}

# --- the document root, as the run-as user
SKIP: {
	skip 'not root: the workers keep our own credentials', 3
	    unless $> == 0;
	skip 'no www-data user', 3 unless getpwnam('www-data');
	my $port = free_port();
	my $conf = root_with("$tmp/private", <<EOF);
listen = [ "127.0.0.1:$port" ];
document_root = "htdocs";
user = "www-data";
group = "www-data";
EOF
	chmod 0700, "$tmp/private/htdocs";
	my ($st, $out, $err) = run($HEARTHD, '-t', '-f', $conf);
	is($st, 1, 'docroot 0700 root:root, user www-data: exit 1');
	like($err, qr{^\Q$conf\E:3: document_root \Q$tmp\E/private/htdocs is not readable by user www-data \(group www-data\): \Q$tmp\E/private/htdocs: Permission denied$}m,
	    'names the key\'s line, the user and the failing path') or diag $err;
	chmod 0755, "$tmp/private/htdocs";
	($st, $out, $err) = run($HEARTHD, '-t', '-f', $conf);
	is($st, 0, 'once www-data can read it: exit 0') or diag $err;
}

# --- log and pid file directories
{
	my $port = free_port();
	spew("$tmp/plainfile", "not a directory\n");
	my $conf = root_with("$tmp/logs", <<EOF);
listen = [ "127.0.0.1:$port" ];
document_root = "htdocs";
error_log = "$tmp/plainfile/error_log";
access_log = "off";
EOF
	rmdir "$tmp/logs/logs" or die "rmdir: $!";	# the default pid_file's
	my ($st, $out, $err) = run($HEARTHD, '-t', '-f', $conf);
	is($st, 1, 'log dir is a file, pid dir missing: exit 1');
	like($err, qr{^\Q$conf\E:4: error_log \Q$tmp\E/plainfile/error_log: cannot create it in \Q$tmp\E/plainfile: Not a directory$}m,
	    'error_log under a file: its line and why') or diag $err;
	like($err, qr{^\Q$conf\E:0: pid_file \Q$tmp\E/logs/logs/hearthd\.pid: cannot create it in \Q$tmp\E/logs/logs: No such file or directory$}m,
	    'defaulted pid_file: line 0') or diag $err;
	like($err, qr{^2 errors$}m, 'both counted, nothing else');
}
SKIP: {
	skip 'root writes in any directory', 1 if $> == 0;
	make_path("$tmp/ro");
	chmod 0555, "$tmp/ro";
	my $conf = root_with("$tmp/rolog", sprintf(<<'EOF', free_port(), $tmp));
listen = [ "127.0.0.1:%d" ];
access_log = "%s/ro/access_log";
EOF
	my ($st, $out, $err) = run($HEARTHD, '-t', '-f', $conf);
	like($err, qr{^\Q$conf\E:3: access_log \Q$tmp\E/ro/access_log: cannot create it in \Q$tmp\E/ro: Permission denied$}m,
	    'read-only log dir: named');
}

# --- a port held by another program: this test, a perl listener
{
	my $busy = IO::Socket::INET->new(LocalAddr => '127.0.0.1',
	    LocalPort => 0, Proto => 'tcp', Listen => 5, ReuseAddr => 1)
	    or die "listen: $!";
	my $port = $busy->sockport;
	my $free = free_port();
	my $conf = root_with("$tmp/busy", <<EOF);
listen = [
  "127.0.0.1:$free",
  "127.0.0.1:$port"
];
EOF
	my ($st, $out, $err) = run($HEARTHD, '-t', '-f', $conf);
	is($st, 1, 'a port perl holds: exit 1');
	like($err, qr{^\Q$conf\E:4: port $port of "127\.0\.0\.1:$port" is in use by perl \(pid $$\)$}m,
	    'names the element\'s line, the program and its pid') or diag $err;
	unlike($err, qr{port $free}, 'the free port is not reported');
	close $busy;
	($st, $out, $err) = run($HEARTHD, '-t', '-f', $conf);
	is($st, 0, 'once perl lets go: exit 0') or diag $err;
}

# --- the server on its own ports: graceful still works, says what changed
{
	my $h = Hearth->start(workers => 2, no_spawn => 1);
	my $conf = $h->conf_path;
	my $env = "HEARTHD=$HEARTHD";
	my ($st, $out, $err) = run('env', $env, $ctl, '-f', $conf, 'start');
	is($st, 0, 'hearthctl start') or diag $out, $err;
	my $pid = $h->pidfile_pid;
	$h->{pid} = $pid;
	ok(-s "$h->{root}/logs/hearthd.pid.conf",
	    'the master wrote its settings next to the pid file');
	($st, $out, $err) = run($HEARTHD, '-t', '-f', $conf);
	is($st, 0, '-t beside the server it would reload: exit 0') or diag $err;
	is($out, "Syntax OK\n", 'Syntax OK');

	# another config on the same port is told who holds it
	my $other = root_with("$tmp/other", sprintf(
	    "listen = [ \"127.0.0.1:%d\" ];\n", $h->port));
	($st, $out, $err) = run($HEARTHD, '-t', '-f', $other);
	like($err, qr{^\Q$other\E:2: port \d+ of "127\.0\.0\.1:\d+" is in use by hearthd \(pid $pid\)$}m,
	    'another config: in use by hearthd, the master\'s pid') or diag $err;

	my $text = slurp($conf);
	$text =~ s/^workers = 2;/workers = 3;/m or die "no workers line";
	spew($conf, $text);
	($st, $out, $err) = run('env', $env, $ctl, '-f', $conf, 'graceful');
	is($st, 0, 'graceful exits 0') or diag $out, $err;
	like($out, qr{^graceful restart: generation 2$}m,
	    'prints the generation');
	like($out, qr{^changed: workers = 2 -> 3$}m,
	    'prints the changed setting') or diag $out;
	is(scalar(() = $out =~ /^(?:changed|added|removed):/mg), 1,
	    'and only that one');
	($st, $out, $err) = run('env', $env, $ctl, '-f', $conf, 'graceful');
	like($out, qr{^no settings changed$}m, 'again: no settings changed');
	($st, $out, $err) = run('env', $env, $ctl, '-f', $conf, 'stop');
	is($st, 0, 'hearthctl stop') or diag $out, $err;
	ok(!-e "$h->{root}/logs/hearthd.pid.conf",
	    'the settings file goes with the pid file');
	$h->{pid} = undef;
}

done_testing();
