# Test harness for black-box tests: start the real hearthd on a free
# loopback port with a temporary server root and config, talk to it, and
# stop exactly the processes we started.  Waits poll with a deadline;
# nothing sleeps a fixed time to "wait".
package Hearth;

use strict;
use warnings;
use Cwd qw(abs_path);
use Exporter qw(import);
use File::Path qw(make_path remove_tree);
use File::Temp qw(tempdir);
use IO::Socket::INET;
use POSIX qw(:sys_wait_h);
use Socket qw(SOL_SOCKET SO_REUSEADDR);
use Time::HiRes qw(time sleep);

our @EXPORT_OK = qw(wait_until free_port slurp spew raw_request
    parse_response);

my $SRCDIR = $ENV{HEARTH_SRCDIR} // abs_path('.');
my $BUILDDIR = $ENV{HEARTH_BUILDDIR} // $SRCDIR;
our $HEARTHD = $ENV{HEARTHD} // "$BUILDDIR/src/hearthd";

# Poll $cond every few milliseconds until it is true or $timeout passes.
sub wait_until {
	my ($cond, $timeout) = @_;
	my $deadline = time + ($timeout // 10);
	my $delay = 0.005;
	while (time < $deadline) {
		my $v = $cond->();
		return $v if $v;
		sleep $delay;
		$delay *= 2 if $delay < 0.1;
	}
	return $cond->();
}

# A free port.  Not the kernel's ephemeral pick: tests run in parallel,
# and two of them handed the same port a moment apart would otherwise
# start servers that share it (the listeners use SO_REUSEPORT).  Each
# test process walks its own sequence in 20000-31999, keyed by its pid.
my $port_seq = 0;
sub free_port {
	for (1 .. 500) {
		my $p = 20000 + (($$ * 7919 + $port_seq++ * 104729) % 12000);
		my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1',
		    LocalPort => $p, Proto => 'tcp', Listen => 1) or next;
		close $s;
		return $p;
	}
	die "no free port";
}

sub slurp {
	my ($f) = @_;
	open my $fh, '<:raw', $f or return undef;
	local $/;
	my $d = <$fh>;
	return $d;
}

sub spew {
	my ($f, $data) = @_;
	my ($dir) = $f =~ m{^(.*)/[^/]*$};
	make_path($dir) if defined $dir && !-d $dir;
	open my $fh, '>:raw', $f or die "$f: $!";
	print $fh $data;
	close $fh or die "$f: $!";
}

# Start a server.  Options:
#   conf       extra config text appended; its top-level keys replace
#              the base config's
#   workers    (default 2)
#   files      { "htdocs/x.txt" => "data", ... } relative to the root
#   foreground 1 (default): -D FOREGROUND child we own; 0: daemonize
#   args       extra hearthd arguments
#   no_wait    do not wait for the port to answer
sub start {
	my ($class, %o) = @_;
	my $self = bless { %o }, $class;
	$self->{root} = tempdir('hearth-t-XXXXXX', TMPDIR => 1,
	    CLEANUP => !$ENV{HEARTH_KEEP});
	my $root = $self->{root};
	# as root, workers run as www-data: let them read the tree
	chmod 0755, $root;
	make_path("$root/etc", "$root/htdocs", "$root/logs");
	system('cp', '-R', "$SRCDIR/htdocs/.", "$root/htdocs/") == 0
	    or die "cp htdocs";
	system('cp', "$SRCDIR/etc/mime.types", "$SRCDIR/etc/status.thtml",
	    "$root/etc/") == 0 or die "cp etc files";
	while (my ($f, $d) = each %{ $o{files} // {} }) {
		spew("$root/$f", $d);
	}
	$self->{port} //= free_port();
	$self->write_conf;
	$self->{foreground} //= 1;
	$self->_spawn unless $o{no_spawn};
	return $self;
}

# The base config, then the caller's text.  libconfig refuses a key
# given twice, so a key set in the caller's text drops the base line.
sub conf_text {
	my ($self) = @_;
	my $extra = $self->{conf} // '';
	my %over = map { $_ => 1 } $extra =~ /^\s*(\w+)\s*[=:]/mg;
	my $base = join '', grep { !(/^(\w+)/ && $over{$1}) }
	    split /^/, $self->_base_conf;
	return $base . $extra;
}

sub _base_conf {
	my ($self) = @_;
	my $w = $self->{workers} // 2;
	return <<"EOF2";
server_root = "$self->{root}";
listen = [ "127.0.0.1:$self->{port}" ];
document_root = "htdocs";
workers = $w;
error_log = "logs/error_log";
access_log = "logs/access_log";
pid_file = "logs/hearthd.pid";
mime_types = "etc/mime.types";
log_level = "info";
error_pages = ( { status = 404; path = "/404.html"; } );
EOF2
}

sub write_conf {
	my ($self, $text) = @_;
	spew($self->conf_path, $text // $self->conf_text);
}

sub _spawn {
	my ($self) = @_;
	my @cmd = ($HEARTHD, '-f', $self->conf_path, @{ $self->{args} // [] });
	if ($self->{foreground}) {
		my $pid = fork // die "fork: $!";
		if ($pid == 0) {
			open STDOUT, '>>', "$self->{root}/logs/stdout";
			open STDERR, '>>', "$self->{root}/logs/stderr";
			exec @cmd, '-D', 'FOREGROUND';
			exit 127;
		}
		$self->{pid} = $pid;
		$self->{child} = 1;
	} else {
		my $out = `@cmd 2>&1`;
		$self->{start_output} = $out;
		die "hearthd failed to start: $out" if $?;
		$self->{pid} = $self->pidfile_pid
		    or die "no pid file after start";
	}
	return if $self->{no_wait};
	my $ok = wait_until(sub {
		die "hearthd exited during start-up:\n" . $self->stderr_text
		    unless $self->alive;
		# with the error log elsewhere (syslog), answering is enough
		$self->{ready} = $self->{no_error_log_wait} ||
		    $self->error_log_has(qr/generation 1 serving|single process/);
		return $self->{ready} && $self->connect;
	}, 10);
	die "hearthd did not start serving:\n" . $self->stderr_text
	    unless $ok;
}

sub stderr_text {
	my ($self) = @_;
	return (slurp("$self->{root}/logs/stderr") // '') .
	    (slurp("$self->{root}/logs/error_log") // '');
}

sub root { $_[0]{root} }
sub port { $_[0]{port} }
sub pid { $_[0]{pid} }
sub conf_path { "$_[0]{root}/etc/httpd.conf" }
sub access_log { "$_[0]{root}/logs/access_log" }
sub error_log { "$_[0]{root}/logs/error_log" }

sub pidfile_pid {
	my ($self) = @_;
	my $p = slurp("$self->{root}/logs/hearthd.pid") // return undef;
	return $p =~ /^(\d+)/ ? $1 : undef;
}

# Is the master alive?  Reaps it if it was our child and has exited.
sub alive {
	my ($self) = @_;
	my $pid = $self->{pid} or return 0;
	if ($self->{child}) {
		my $r = waitpid($pid, WNOHANG);
		if ($r == $pid) {
			$self->{status} = $?;
			$self->{pid} = undef;
			return 0;
		}
		return 1;
	}
	return kill(0, $pid) ? 1 : 0;
}

# Pids of the master's current children (workers), from /proc.
sub worker_pids {
	my ($self) = @_;
	my $pid = $self->{pid} or return ();
	my @kids;
	for my $d (glob '/proc/[0-9]*') {
		my $stat = slurp("$d/stat") // next;
		my ($ppid) = $stat =~ /^\d+ \(.*\) \S (\d+)/s or next;
		push @kids, ($d =~ m{(\d+)$})[0] if $ppid == $pid;
	}
	my @sorted = sort { $a <=> $b } @kids;
	return @sorted;
}

sub title {
	my ($self, $pid) = @_;
	my $t = slurp("/proc/" . ($pid // $self->{pid}) . "/cmdline") // '';
	$t =~ s/\0+$//;
	$t =~ s/\0/ /g;
	return $t;
}

sub generation {
	my ($self) = @_;
	return $self->title =~ /generation (\d+)/ ? $1 : undef;
}

sub connect {
	my ($self) = @_;
	return IO::Socket::INET->new(PeerAddr => '127.0.0.1',
	    PeerPort => $self->{port}, Proto => 'tcp', Timeout => 5);
}

# Send raw bytes; read until the server closes or $timeout passes.
sub raw_request {
	my ($port, $data, $timeout) = @_;
	my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
	    PeerPort => $port, Proto => 'tcp', Timeout => 5) or return undef;
	$s->autoflush(1);
	print $s $data;
	my $out = '';
	my $deadline = time + ($timeout // 5);
	my $rin = '';
	vec($rin, fileno($s), 1) = 1;
	while (time < $deadline) {
		my $n = select(my $rout = $rin, undef, undef, $deadline - time);
		last if $n <= 0;
		my $r = sysread($s, my $buf, 65536);
		last if !$r;
		$out .= $buf;
	}
	close $s;
	return $out;
}

sub request {
	my ($self, $data, $timeout) = @_;
	return raw_request($self->{port}, $data, $timeout);
}

# Split one response: (status, {lc name => value}, body, head text).
sub parse_response {
	my ($text) = @_;
	return (0, {}, '', '') unless defined $text && length $text;
	my ($head, $body) = split /\r\n\r\n/, $text, 2;
	my @lines = split /\r\n/, $head;
	my ($status) = (shift(@lines) // '') =~ m{^HTTP/1\.[01] (\d{3})};
	my %h;
	for (@lines) {
		my ($n, $v) = /^([^:]+):\s*(.*)$/ or next;
		$h{lc $n} = exists $h{lc $n} ? "$h{lc $n}, $v" : $v;
	}
	return ($status // 0, \%h, $body // '', $head);
}

# GET (or another method) with Connection: close.
sub get {
	my ($self, $path, %o) = @_;
	my $method = $o{method} // 'GET';
	my $hdrs = join '', map { "$_: $o{headers}{$_}\r\n" }
	    sort keys %{ $o{headers} // {} };
	my $req = "$method $path HTTP/1.1\r\nHost: localhost\r\n$hdrs" .
	    "Connection: close\r\n\r\n";
	return parse_response($self->request($req, $o{timeout}));
}

sub error_log_has {
	my ($self, $re) = @_;
	my $t = slurp($self->error_log) // return 0;
	return $t =~ $re;
}

# Poll the error log for a pattern.
sub error_log_like {
	my ($self, $re, $timeout) = @_;
	return wait_until(sub { $self->error_log_has($re) }, $timeout // 10);
}

sub access_lines {
	my ($self) = @_;
	my $t = slurp($self->access_log) // return ();
	return split /\n/, $t;
}

# Wait until the access log has at least $n lines.
sub wait_access_lines {
	my ($self, $n, $timeout) = @_;
	wait_until(sub { scalar($self->access_lines) >= $n }, $timeout // 10);
	return $self->access_lines;
}

sub signal {
	my ($self, $sig) = @_;
	return kill($sig, $self->{pid});
}

# Stop the server: TERM, then KILL after a deadline.  Returns the exit
# status when it was our child.  Dies if it died of any other signal.
sub stop {
	my ($self, $timeout) = @_;
	my $pid = $self->{pid} or return $self->{status};
	kill 'TERM', $pid;
	unless (wait_until(sub { !$self->alive }, $timeout // 10)) {
		kill 'KILL', $pid;
		wait_until(sub { !$self->alive }, 5);
		die "hearthd $pid ignored SIGTERM";
	}
	$self->{pid} = undef;
	return $self->{status};
}

sub DESTROY {
	my ($self) = @_;
	local $?;
	if ($self->{pid} && ($self->{child} || kill 0, $self->{pid})) {
		kill 'KILL', $self->{pid};
		waitpid($self->{pid}, 0) if $self->{child};
	}
}

# The combined log format, strictly.
our $COMBINED_RE = qr{^
	(\S+)\ (\S+)\ (\S+)\ 
	\[(\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2}\ [+-]\d{4})\]\ 
	"((?:[^"\\]|\\.)*)"\ 
	(\d{3})\ (\d+|-)\ 
	"((?:[^"\\]|\\.)*)"\ 
	"((?:[^"\\]|\\.)*)"
$}x;

1;
