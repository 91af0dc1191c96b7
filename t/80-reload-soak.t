# Graceful reload under load: wrk against 4 workers while 20 USR1
# reloads are sent, one every half second.  Not one request may fail
# and no connection may be reset; every request is logged.  Then the
# shipped logrotate file is forced ten times under load: the lines in
# all the rotated files and the current one add up to the requests.
use strict;
use warnings;
use Test::More;
use Time::HiRes qw(sleep);
use Hearth qw(wait_until slurp spew);

plan skip_all => 'wrk not installed (./quickstart deps installs it)'
    unless system('sh', '-c', 'command -v wrk >/dev/null') == 0;

my $h = Hearth->start(workers => 4, files => { 'htdocs/a.txt' => "soak\n" });
my $url = 'http://127.0.0.1:' . $h->port . '/a.txt';

sub run_wrk {
	my ($secs, $during) = @_;
	pipe(my $r, my $w) or die;
	my $pid = fork // die;
	if ($pid == 0) {
		close $r;
		open STDOUT, '>&', $w;
		exec 'wrk', '-t2', '-c16', "-d${secs}s", $url;
		exit 127;
	}
	close $w;
	$during->();
	local $/;
	my $out = <$r>;
	waitpid $pid, 0;
	return $out;
}

# --- 20 graceful reloads
my $gen0 = $h->generation;
my $out = run_wrk(12, sub {
	sleep 0.5;
	for (1 .. 20) {
		$h->signal('USR1');
		sleep 0.5;
	}
});
my ($done) = $out =~ /(\d+) requests in/;
ok($done, "wrk completed $done requests during 20 reloads");
unlike($out, qr/Socket errors/, 'no connect, read, write or timeout errors') or diag $out;
unlike($out, qr/Non-2xx/, 'no failed responses');
ok(wait_until(sub { ($h->generation // 0) >= $gen0 + 20 }, 20),
    'twenty new generations') or diag 'at generation ' . ($h->generation // '?');
my @w = $h->worker_pids;
ok(wait_until(sub { @w = $h->worker_pids; @w == 4 }, 35),
    'old generations drained; 4 workers left') or diag scalar(@w) . ' workers';
ok(!$h->error_log_has(qr/did not stop in time/), 'no worker had to be killed');
diag "reloads: $done requests, 0 failures";

SKIP: {
	skip 'logrotate not installed', 3
	    unless system('sh', '-c', 'command -v logrotate >/dev/null') == 0;
	# the shipped file, pointed at this server's logs and hearthctl
	my $ctl = $ENV{HEARTHCTL} // "$ENV{HEARTH_BUILDDIR}/src/hearthctl";
	my $src = slurp("$ENV{HEARTH_SRCDIR}/etc/hearth.logrotate.in");
	my $logs = $h->root . '/logs';
	$src =~ s{\@localstatedir\@/log/hearth}{$logs}g;
	my $cmd = "HEARTHD=$Hearth::HEARTHD $ctl -f " . $h->conf_path;
	$src =~ s{\@sbindir\@/hearthctl}{$cmd}g;
	$src =~ s/^\s*(create|su)\b.*$//mg;	# no adm group games here
	$src =~ s/^\s*(compress|delaycompress)\s*$//mg;
	spew($h->root . '/logrotate.conf', $src);
	my $before = () = $h->access_lines;
	$out = run_wrk(8, sub {
		for (1 .. 10) {
			system('logrotate', '-f', '-s', $h->root . '/logrotate.state',
			    $h->root . '/logrotate.conf') == 0 or diag "logrotate failed";
			sleep 0.5;
		}
	});
	($done) = $out =~ /(\d+) requests in/;
	my $count = sub {
		my $n = 0;
		for my $f (glob "$logs/access_log*") {
			my $t = slurp($f);
			$n += () = $t =~ /\n/g;
			my @bad = grep { $_ !~ $Hearth::COMBINED_RE } split /\n/, $t;
			return -1 if @bad;
		}
		return $n;
	};
	my $lines;
	ok(wait_until(sub { ($lines = $count->()) >= $before + $done }, 10),
	    'no line lost across ten rotations');
	ok($lines <= $before + $done + 32, "and none invented ($lines lines, $done requests)");
	my @rotated = glob("$logs/access_log.*");
	ok(@rotated >= 1, 'rotated files exist (' . scalar(@rotated) . ')');
	diag "rotation: $done requests, " . ($lines - $before) . ' lines';
}
$h->stop;
done_testing;
