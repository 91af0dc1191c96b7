# The systemd notify protocol, end to end, against a socket the test
# reads: READY=1 once serving; RELOADING=1 with MONOTONIC_USEC and then
# READY=1 around a reload; STATUS= with live counters; STOPPING=1.
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use IO::Socket::UNIX;
use Socket qw(SOCK_DGRAM);
use Hearth qw(wait_until);

my $dir = tempdir(CLEANUP => 1);
my $path = "$dir/notify";
my $sock = IO::Socket::UNIX->new(Type => SOCK_DGRAM, Local => $path) or die $!;
my @got;
sub collect {
	my $rin = '';
	vec($rin, fileno($sock), 1) = 1;
	while (select(my $r = $rin, undef, undef, 0) > 0) {
		$sock->recv(my $buf, 4096);
		push @got, $buf;
	}
	return @got;
}
sub seen { my ($re) = @_; wait_until(sub { collect(); grep { $_ =~ $re } @got }, 10) }

$ENV{NOTIFY_SOCKET} = $path;
my $h = Hearth->start(workers => 2, conf => "admin = { };\n");
delete $ENV{NOTIFY_SOCKET};

ok(seen(qr/^READY=1/m), 'READY=1 once serving');
$h->get('/') for 1 .. 3;
ok(seen(qr/^STATUS=generation 1: \d+ requests, [\d.]+ requests\/s, 2 workers$/m),
    'STATUS= carries live counters');
@got = ();
$h->signal('USR1');
ok(seen(qr/^RELOADING=1\nMONOTONIC_USEC=\d+$/), 'RELOADING=1 with MONOTONIC_USEC');
ok(seen(qr/^READY=1\nSTATUS=generation 2 serving/), 'READY=1 again once generation 2 serves');
my ($r) = grep { /^RELOADING/ } @got;
my ($i_rel) = grep { $got[$_] =~ /^RELOADING/ } 0 .. $#got;
my ($i_rdy) = grep { $got[$_] =~ /^READY=1/ } 0 .. $#got;
ok($i_rel < $i_rdy, 'in that order');
@got = ();
$h->signal('TERM');
ok(seen(qr/^STOPPING=1$/), 'STOPPING=1 on stop');
$h->stop;
done_testing;
