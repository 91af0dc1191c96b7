# access_log and error_log to syslog: one RFC 3164 datagram per line;
# a receiver that is gone never stops the server, and the loss is told.
use strict;
use warnings;
use Test::More;
use IO::Socket::UNIX;
use Socket qw(SOCK_DGRAM);
use File::Temp qw(tempdir);
use Hearth qw(wait_until);

my $dir = tempdir(CLEANUP => 1);
chmod 0755, $dir;
my $apath = "$dir/access.sock";
my $epath = "$dir/error.sock";
my $asock = IO::Socket::UNIX->new(Type => SOCK_DGRAM, Local => $apath)
    or die "$apath: $!";
my $esock = IO::Socket::UNIX->new(Type => SOCK_DGRAM, Local => $epath)
    or die "$epath: $!";
chmod 0666, $apath, $epath;	# workers run as www-data under root

sub drain {
	my ($sock, $want, $timeout) = @_;
	my @got;
	wait_until(sub {
		my $rin = '';
		vec($rin, fileno($sock), 1) = 1;
		while (select(my $r = $rin, undef, undef, 0) > 0) {
			$sock->recv(my $buf, 65536);
			push @got, $buf;
		}
		return @got >= $want;
	}, $timeout // 5);
	return @got;
}

my $h = Hearth->start(conf => <<"EOF2", no_error_log_wait => 1);
access_log = "syslog:unix:$apath";
error_log = "syslog:unix:$epath";
EOF2
my ($st) = $h->get('/');
is($st, 200, 'serving with syslog logs');
$h->get('/missing');
my @a = drain($asock, 2);
is(scalar @a, 2, 'one datagram per request');
my $hdr = qr/^<190>[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} \S+ hearthd\[\d+\]: /;
like($a[0], $hdr, 'RFC 3164 header, facility local7, severity info');
(my $line = $a[0]) =~ s/$hdr//;
like($line, $Hearth::COMBINED_RE, 'the message is the combined line');
like($a[1], qr/"GET \/missing HTTP\/1\.1" 404 /, 'second request');
unlike($a[0], qr/\n/, 'no newline in the datagram');

my @e;
wait_until(sub {
	push @e, drain($esock, 1, 0.2);
	grep { /generation 1 serving/ } @e;
}, 5);
ok(scalar(grep { /^<29>.* hearthd\[\d+\]: \[core:notice\] \[pid \d+\] generation 1 serving/ } @e),
    'error log lines go to syslog (daemon.notice)') or diag explain \@e;
$h->stop;

# the receiver is gone: requests are still served, the loss is logged
close $asock;
unlink $apath;
$h = Hearth->start(conf => "access_log = \"syslog:unix:$apath\";\nadmin = { };\n");
for (1 .. 5) {
	($st) = $h->get('/');
	is($st, 200, "served with the syslog receiver gone ($_)");
}
ok($h->error_log_like(qr/syslog: \d+ access log lines? could not be sent/),
    'lost lines are reported in the error log');
use JSON::PP;
my (undef, undef, $api) = $h->get('/api/status');
my $j = eval { decode_json($api) };
ok($j && $j->{log_dropped} >= 5, 'and counted in /api/status as log_dropped (' .
    ($j ? $j->{log_dropped} : '?') . ')');
$h->stop;

# a bad target is a config error with a line number
$h = Hearth->start(no_spawn => 1, conf => "access_log = \"syslog:local9\";\n");
my $out = `$Hearth::HEARTHD -t -f @{[ $h->conf_path ]} 2>&1`;
like($out, qr/httpd\.conf:\d+: access_log: unknown syslog facility "local9"/,
    'bad facility is a config error');

done_testing;
