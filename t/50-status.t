# The scoreboard behind /server-status, ?auto and /api/status, and the
# admin area's access control (networks, then htpasswd users).
use strict;
use warnings;
use Test::More;
use JSON::PP;
use Hearth qw(wait_until slurp spew);

sub api {
	my ($h, %o) = @_;
	my ($st, $hd, $body) = $h->get('/api/status', %o);
	return ($st, $st == 200 ? eval { decode_json($body) } : undef, $hd, $body);
}

# --- no admin group: the paths are plain files
my $h = Hearth->start;
my ($st) = $h->get('/server-status');
is($st, 404, 'without an admin group /server-status is an ordinary path');
$h->stop;

# --- admin open to loopback (the default)
$h = Hearth->start(workers => 2, conf => "admin = { };\n",
    files => { 'htdocs/a.txt' => "aaa\n" });
my ($s0, $j0) = api($h);
is($s0, 200, '/api/status from loopback');
ok($j0, 'it is valid JSON');
for my $k (qw(version uptime_seconds generation requests_total bytes_total
    status workers active_workers top_paths top_404 latency_ms)) {
	ok(exists $j0->{$k}, "key $k");
}
is_deeply([sort keys %{ $j0->{status} }], [qw(1xx 2xx 3xx 4xx 5xx)], 'status classes');
is($j0->{active_workers}, 2, 'two active workers');
ok(defined $j0->{workers}[0]{pid} && defined $j0->{workers}[0]{state}, 'worker entries');

$h->get('/a.txt') for 1 .. 10;
$h->get('/missing') for 1 .. 3;
my (undef, $j1) = api($h);
is($j1->{requests_total}, $j0->{requests_total} + 1 + 13,
    'requests_total counts exactly the requests made');
my ($top) = grep { $_->{path} eq '/a.txt' } @{ $j1->{top_paths} };
is($top->{count}, 10, 'top_paths counts /a.txt');
my ($nf) = grep { $_->{path} eq '/missing' } @{ $j1->{top_404} };
is($nf->{count}, 3, 'top_404 counts /missing');
ok($j1->{status}{'4xx'} >= 3, '4xx counted');
ok(exists $j1->{latency_ms}{p99}, 'latency percentiles');

# odd bytes in paths still make valid JSON
$h->get('/we"ird\\path%22%0a');
my ($s2, $j2, undef, $raw2) = api($h);
ok($j2, 'JSON stays valid with quotes and backslashes in paths') or diag $raw2;

# ?auto and the HTML dashboard
my ($sa, $ha, $auto) = $h->get('/server-status?auto');
is($sa, 200, '?auto');
like($ha->{'content-type'}, qr{^text/plain}, '?auto is plain text');
like($auto, qr/^Total Accesses: \d+$/m, 'Apache-style Total Accesses');
like($auto, qr/^BusyWorkers: \d+$/m, 'BusyWorkers');
my ($sh, $hh, $html) = $h->get('/server-status?refresh=5');
is($sh, 200, 'HTML dashboard');
like($html, qr/hearth status/, 'rendered from the template');
like($html, qr{<code>/a\.txt</code></td><td>10<}, 'top paths in the page');
unlike($html, qr/\{\{/, 'no placeholder left');
is($hh->{refresh}, 5, '?refresh=N sets Refresh');
unlike($html, qr/we"ird/, 'paths are escaped in the page');

# totals survive a worker's death and a graceful reload
my (undef, $before) = api($h);
my @w = $h->worker_pids;
kill 'KILL', $w[0];
ok(wait_until(sub { my @n = $h->worker_pids; @n == 2 && !grep { $_ == $w[0] } @n }, 10),
    'worker respawned');
my (undef, $after) = api($h);
ok($after->{requests_total} >= $before->{requests_total} + 1,
    'totals survive a worker respawn');
$h->signal('USR1');
ok(wait_until(sub { ($h->generation // 0) == 2 }, 10), 'graceful reload');
# an old worker may take a connection or two before it sees its stop
my $reloaded;
ok(wait_until(sub { (undef, $reloaded) = api($h);
    ($reloaded->{generation} // 0) == 2 }, 10), 'generation 2 reported');
ok($reloaded->{requests_total} >= $after->{requests_total} + 1,
    'totals survive a graceful reload');

# two workers under load: the totals equal the access log
SKIP: {
	skip 'wrk not installed', 1 unless system('sh', '-c', 'command -v wrk >/dev/null') == 0;
	system('wrk', '-t2', '-c8', '-d2s', 'http://127.0.0.1:' . $h->port . '/a.txt') == 0
	    or die 'wrk';
	my (@lines, $total);
	ok(wait_until(sub {
		my (undef, $j) = api($h);
		$total = $j ? $j->{requests_total} : -1;
		# the api request is counted and logged only when it ends:
		# wait for its own line, then it is the one not in the total
		wait_until(sub {
			@lines = $h->access_lines;
			$lines[-1] =~ m{"GET /api/status };
		}, 5);
		return $total == @lines - 1;
	}, 10), 'requests_total equals access-log lines after load') or
	    diag "requests_total $total, access-log lines " . scalar(@lines);
}
$h->stop;

# --- a network that is not allowed: 403
$h = Hearth->start(conf => "admin = { allow = [ \"10.0.0.0/8\" ]; };\n");
($st) = $h->get('/api/status');
is($st, 403, 'a client outside admin.allow gets 403');
($st) = $h->get('/admin/anything');
is($st, 403, 'and so does anything under /admin/');
$h->stop;

# --- htpasswd: 401 without or with bad credentials
SKIP: {
	skip 'htpasswd (apache2-utils) not installed', 8
	    unless system('sh', '-c', 'command -v htpasswd >/dev/null') == 0;
	$h = Hearth->start(no_spawn => 1, conf => "admin = { htpasswd = \"etc/htpasswd\"; };\n",
	    files => { 'htdocs/admin/page.html' => "secret page\n" });
	system('htpasswd', '-bcB', '-C', '5', $h->root . '/etc/htpasswd', 'admin', 's3cret') == 0 or die;
	system('htpasswd', '-b5', $h->root . '/etc/htpasswd', 'ops', 'sha512pw') == 0 or die;
	$h->_spawn;
	my ($sn, $hn) = $h->get('/server-status');
	is($sn, 401, 'no credentials: 401');
	like($hn->{'www-authenticate'}, qr/^Basic realm="hearth admin"/, 'WWW-Authenticate');
	use MIME::Base64;
	my $bad = 'Basic ' . encode_base64('admin:wrong', '');
	($sn) = $h->get('/server-status', headers => { Authorization => $bad });
	is($sn, 401, 'bad password: 401');
	ok($h->error_log_like(qr/\[client 127\.0\.0\.1\] admin: authentication failure for user "admin": bad password/),
	    'failed login logged for fail2ban');
	my $good = 'Basic ' . encode_base64('admin:s3cret', '');
	($sn) = $h->get('/server-status', headers => { Authorization => $good });
	is($sn, 200, 'bcrypt user: 200');
	($sn) = $h->get('/api/status', headers => { Authorization => 'Basic ' . encode_base64('ops:sha512pw', '') });
	is($sn, 200, 'SHA-512 crypt user: 200');
	my ($sp, undef, $bp) = $h->get('/admin/page.html', headers => { Authorization => $good });
	is($bp, "secret page\n", 'admin files served to a logged-in user');
	ok(wait_until(sub { grep { m{^127\.0\.0\.1 - admin \[} } $h->access_lines }, 5),
	    'the user appears as %u in the access log');
	$h->stop;
}

# --- hearthctl status prints a summary from the same data
{
	my $ctl = $ENV{HEARTHCTL} // "$ENV{HEARTH_BUILDDIR}/src/hearthctl";
	$h = Hearth->start(foreground => 0, conf => "admin = { };\n");
	$h->get('/') for 1 .. 4;
	my $out = `$ctl -f @{[ $h->conf_path ]} status 2>&1`;
	is($? >> 8, 0, 'hearthctl status: running');
	like($out, qr/^  requests: +[4-9]\d*$/m, 'hearthctl status shows the request count')
	    or diag $out;
	like($out, qr/^  busy workers: /m, 'and the workers');
	$h->stop;
}

# --- never open to everyone by accident
$h = Hearth->start(no_spawn => 1, conf => "admin = { allow = [ \"0.0.0.0/0\" ]; };\n");
my $out = `$Hearth::HEARTHD -t -f @{[ $h->conf_path ]} 2>&1`;
like($out, qr/admin allows every address and has no htpasswd/, 'allow-all without htpasswd is refused');

done_testing;
