# Two hearthd instances behind Debian's haproxy (send-proxy-v2, health
# checks on /healthz).  wrk runs through haproxy while one instance is
# drained, stopped and started again: not one request may fail, the two
# access logs add up to what wrk completed, and they name the client's
# own address, never haproxy's.
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use IO::Socket::INET;
use POSIX qw(:sys_wait_h);
use Hearth qw(wait_until free_port spew slurp);

for my $tool (qw(haproxy wrk)) {
	plan skip_all => "$tool not installed (./quickstart deps installs it)"
	    unless system('sh', '-c', "command -v $tool >/dev/null") == 0;
}

my $ctl = $ENV{HEARTHCTL} // "$ENV{HEARTH_BUILDDIR}/src/hearthctl";
my @b;
for my $i (0, 1) {
	my $plain = free_port();
	my $proxied = free_port();
	push @b, Hearth->start(port => $plain, foreground => 0, conf => <<"EOF2");
listen = [ "127.0.0.1:$plain", "127.0.0.1:$proxied" ];
remote_ip = { proxy_protocol = [ "127.0.0.1:$proxied" ]; };
health = { path = "/healthz"; drain_seconds = 3; };
EOF2
	$b[-1]{proxied} = $proxied;
}

my $dir = tempdir(CLEANUP => 1);
my $front = free_port();
# haproxy reaches the backends from 127.0.0.2: a log that shows it has
# logged the proxy, not the client
spew("$dir/haproxy.cfg", <<"EOF2");
global
    maxconn 2000
defaults
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s
    retries 3
    option redispatch
    option http-server-close
frontend fe
    bind 127.0.0.1:$front
    default_backend be
backend be
    balance roundrobin
    option httpchk GET /healthz
    default-server inter 300ms fall 1 rise 1 source 127.0.0.2
    server h0 127.0.0.1:$b[0]{proxied} check send-proxy-v2 check-send-proxy
    server h1 127.0.0.1:$b[1]{proxied} check send-proxy-v2 check-send-proxy
EOF2
my $hp = fork // die;
if ($hp == 0) {
	open STDOUT, '>', "$dir/haproxy.out";
	open STDERR, '>&', \*STDOUT;
	exec 'haproxy', '-db', '-f', "$dir/haproxy.cfg";
	exit 127;
}
END { local $?; if ($hp) { kill 'TERM', $hp; waitpid $hp, 0 } }

sub get_front {
	my ($local) = @_;
	my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $front,
	    Proto => 'tcp', Timeout => 3, $local ? (LocalAddr => $local) : ())
	    or return '';
	print $s "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
	local $/;
	return <$s> // '';
}
ok(wait_until(sub { get_front() =~ m{^HTTP/1\.1 200} }, 10), 'haproxy serves through hearth')
    or diag slurp("$dir/haproxy.out");

# the client's own address reaches the access log
get_front('127.0.0.7') for 1 .. 4;
ok(wait_until(sub { grep { /^127\.0\.0\.7 / } map { $_->access_lines } @b }, 5),
    'access log names the client 127.0.0.7');

# wrk through haproxy while h0 is drained, stopped and started again
my $wrk = fork // die;
if ($wrk == 0) {
	open STDOUT, '>', "$dir/wrk.out";
	exec 'wrk', '-t2', '-c10', '-d9s', "http://127.0.0.1:$front/";
	exit 127;
}
sleep 1;
my $h0conf = $b[0]->conf_path;
my $h0pid = $b[0]->pid;
is(system("$ctl -f $h0conf drain >$dir/drain.out 2>&1"), 0, 'hearthctl drain h0');
ok(wait_until(sub { !kill(0, $h0pid) }, 5), 'h0 stopped after draining');
is(system("$ctl -f $h0conf start >/dev/null 2>&1"), 0, 'h0 started again');
$b[0]{pid} = $b[0]->pidfile_pid;
waitpid $wrk, 0;
my $w = slurp("$dir/wrk.out");
my ($done) = $w =~ /(\d+) requests in/;
my ($errors) = $w =~ /Socket errors: (.*)/;
my ($non2xx) = $w =~ /Non-2xx or 3xx responses: (\d+)/;
ok($done > 0, "wrk completed $done requests");
is($errors, undef, 'no socket errors') or diag $errors;
is($non2xx // 0, 0, 'no failed responses');
diag "wrk: $done requests through haproxy during drain/stop/start";

# log lines: all of wrk's, plus the few requests above; none from 127.0.0.2
my @all;
ok(wait_until(sub {
	@all = grep { !m{/healthz} } map { $_->access_lines } @b;
	@all >= $done;
}, 10), 'access-log lines cover every completed request');
my $extra = @all - $done;
ok($extra >= 0 && $extra <= 5 + 10, "lines = wrk's requests + the probes ($extra extra)");
is(scalar(grep { /^127\.0\.0\.2 / } @all), 0, "haproxy's own address is never logged");
diag sprintf('access-log lines: %d (h0 %d, h1 %d)', scalar(@all),
    scalar(grep { !m{/healthz} } $b[0]->access_lines),
    scalar(grep { !m{/healthz} } $b[1]->access_lines));

$_->stop for @b;
done_testing;
