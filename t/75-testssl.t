# testssl.sh against the TLS port with the default tls settings and a
# hearthctl gencert certificate: no HIGH or CRITICAL finding, except the
# few that any self-signed development certificate must have.
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use JSON::PP;
use Hearth qw(free_port slurp);

my ($testssl) = grep { system('sh', '-c', "command -v $_ >/dev/null") == 0 }
    qw(testssl testssl.sh);
plan skip_all => 'testssl.sh is not installed (Debian: apt-get install ' .
    'testssl.sh; ./quickstart deps does)' unless $testssl;
my $ctl = $ENV{HEARTHCTL} // "$ENV{HEARTH_BUILDDIR}/src/hearthctl";
$ENV{HEARTHD} //= $Hearth::HEARTHD;

# Findings that say "this certificate is self-signed", not "hearthd is
# configured badly": a test cannot have a certificate from a public CA.
my %inherent = (
	# no CA vouches for a self-signed certificate
	cert_chain_of_trust	=> 1,
	# nor runs a CRL or OCSP responder for it, so it names neither
	cert_revocation		=> 1,
);

my $tmp = tempdir('hearth-testssl-XXXXXX', TMPDIR => 1,
    CLEANUP => !$ENV{HEARTH_KEEP});
my $tport = free_port();
my $h = Hearth->start(workers => 2, no_spawn => 1,
    conf => "tls = { listen = [ \"127.0.0.1:$tport\" ]; };\n");
my $out = qx{'$ctl' -f '@{[$h->conf_path]}' gencert 2>&1};
is($?, 0, 'hearthctl gencert') or diag $out;
$h->_spawn;

# The groups that judge a server's TLS (-p protocols, -s cipher
# categories, -f forward secrecy, -P server preference, -S server
# defaults and certificate, -h headers, -U vulnerabilities), without
# the per-cipher listing and client simulations that triple the time.
my $json = "$tmp/testssl.json";
my @cmd = ('timeout', '600', $testssl, '--quiet', '--color', '0',
    '--warnings', 'off', '--connect-timeout', '5', '--openssl-timeout',
    '10', '-p', '-s', '-f', '-P', '-S', '-h', '-U', '--jsonfile-pretty',
    $json, "127.0.0.1:$tport");
my $t0 = time;
my $log = qx{@{[join ' ', map { "'$_'" } @cmd]} 2>&1};
my $rc = $? >> 8;
note sprintf('%s took %d s, exit %d', $testssl, time - $t0, $rc);
isnt($rc, 124, 'testssl finished within 10 minutes');
my $doc = eval { decode_json(slurp($json) // '') };
ok($doc, 'it wrote its JSON') or BAIL_OUT("no JSON from $testssl:\n$log");

my @findings;
for my $scan (@{ $doc->{scanResult} // [] }) {
	for my $group (sort keys %$scan) {
		next unless ref $scan->{$group} eq 'ARRAY';
		push @findings, grep { ref eq 'HASH' && defined $_->{id} }
		    @{ $scan->{$group} };
	}
}
my %by_id = map { $_->{id} => $_ } @findings;

# it really scanned hearthd: what it found matches what we serve
is($by_id{TLS1_2}{finding}, 'offered', 'it saw TLS 1.2 offered');
like($by_id{TLS1_3}{finding} // '', qr/^offered/, 'and TLS 1.3');
for my $old (qw(SSLv2 SSLv3 TLS1 TLS1_1)) {
	like($by_id{$old}{finding} // '', qr/^not offered/, "not $old");
}
like($by_id{cert_commonName}{finding} // '', qr/^localhost\b/,
    'the gencert certificate');

my @fatal = grep { $_->{severity} eq 'FATAL' } @findings;
is(scalar @fatal, 0, 'no scan problem') or
    diag join "\n", map { "$_->{id}: $_->{finding}" } @fatal;
my @bad = grep { $_->{severity} =~ /^(HIGH|CRITICAL)$/ &&
    !$inherent{$_->{id}} } @findings;
is(scalar @bad, 0, 'no HIGH or CRITICAL finding about hearthd') or
    diag join "\n", map { "$_->{severity} $_->{id}: $_->{finding}" } @bad;
note "$_->{severity} $_->{id}: $_->{finding}" for grep {
    $_->{severity} =~ /^(LOW|MEDIUM|HIGH|CRITICAL)$/ } @findings;

ok($h->alive, 'hearthd survived the scan');
is($h->stop, 0, 'and stops cleanly');
done_testing;
