# hearthctl gencert: a self-signed development certificate and key where
# the tls group says, with the right extensions and modes, never over
# existing files without -f, and exit codes like the other verbs.
# (70-tls.t checks that a client verifies the server with it.)
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use POSIX ();
use Hearth qw(free_port slurp spew);

my $ctl = $ENV{HEARTHCTL} or plan skip_all => 'HEARTHCTL is not set';
my $hearthd = $ENV{HEARTHD} or plan skip_all => 'HEARTHD is not set';
system('openssl version >/dev/null 2>&1') == 0
    or plan skip_all => 'no openssl';

my $tmp = tempdir(CLEANUP => 1);
my $port = free_port();
my $h = Hearth->start(no_spawn => 1, conf => <<"EOF2");
tls = {
    listen = [ "127.0.0.1:$port" ];
    certificate = "etc/tls/cert.pem";
    key = "etc/tls/key.pem";
};
EOF2
my $root = $h->root;
my $conf = $h->conf_path;
my ($cert, $key) = ("$root/etc/tls/cert.pem", "$root/etc/tls/key.pem");

# (exit code, stdout, stderr); files, not pipes, as in 60-hearthctl.t
sub run {
	my ($env, $umask, @cmd) = @_;
	my $pid = fork // die "fork: $!";
	if ($pid == 0) {
		# _exit: not the parent's END blocks, which remove $tmp
		$ENV{$_} = $env->{$_} for keys %$env;
		umask $umask if defined $umask;
		open STDIN, '<', '/dev/null' or POSIX::_exit(127);
		open STDOUT, '>', "$tmp/out" or POSIX::_exit(127);
		open STDERR, '>', "$tmp/err" or POSIX::_exit(127);
		{ exec @cmd }
		POSIX::_exit(127);
	}
	waitpid $pid, 0;
	return ($? >> 8, slurp("$tmp/out") // '', slurp("$tmp/err") // '');
}

sub gencert {
	my ($file, @args) = @_;
	my %env = ref $args[0] eq 'HASH' ? %{ shift @args } : ();
	my $umask = delete $env{umask};
	return run(\%env, $umask, $ctl, '-f', $file, 'gencert', @args);
}

sub mode { return (stat $_[0])[2] & 07777 }

sub x509_text {
	my ($f) = @_;
	return scalar qx{openssl x509 -in '$f' -noout -text 2>&1};
}

# -T names the paths before the files exist; -t wants them
my $dump = qx{'$hearthd' -f '$conf' -T 2>&1};
is($?, 0, 'hearthd -T works before the certificate exists');
like($dump, qr{^\s*certificate = "\Q$cert\E";}m, '-T names the certificate');
my $t = qx{'$hearthd' -f '$conf' -t 2>&1};
isnt($?, 0, 'hearthd -t does not');
like($t, qr{^\Q$conf\E:\d+: tls: certificate \Q$cert\E: No such file}m,
    'naming the file and why');

# a loose umask: the key is still 0600 and the directory 0755
my ($rc, $out, $err) = gencert($conf, { umask => 0 });
is($rc, 0, 'gencert exits 0') or diag $err;
ok(-f $cert && -f $key, 'writes the certificate and the key');
is(sprintf('%04o', mode($key)), '0600', 'key mode 0600 under umask 000');
is(sprintf('%04o', mode($cert)), '0644', 'certificate mode 0644');
is(sprintf('%04o', mode("$root/etc/tls")), '0755',
    'a directory it makes is 0755 under umask 000');
like($out, qr{^wrote \Q$key\E }m, 'says where the key went');
like($out, qr{^wrote \Q$cert\E }m, 'and the certificate');
like($out, qr{^try: curl --cacert \Q$cert\E https://localhost:$port/$}m,
    'prints the curl line for the tls port');
like($out, qr{^SHA-256 fingerprint: [0-9A-F:]{95}$}m, 'and the fingerprint');
is_deeply([grep { !/^(cert|key)\.pem$/ } map { s{.*/}{}r }
    glob("$root/etc/tls/* $root/etc/tls/.*[!.]")], [],
    'no temporary file left behind');

my $x = x509_text($cert);
like($x, qr{Subject: CN ?= ?localhost$}m, 'subject CN=localhost');
like($x, qr{Issuer: CN ?= ?localhost$}m, 'self-signed');
like($x, qr{Signature Algorithm: ecdsa-with-SHA256}, 'ECDSA with SHA-256');
like($x, qr{NIST CURVE: P-256|ASN1 OID: prime256v1}, 'on P-256');
like($x, qr{Subject Alternative Name:\s*\n\s*DNS:localhost, IP Address:127\.0\.0\.1, IP Address:0:0:0:0:0:0:0:1\b},
    'subjectAltName localhost, 127.0.0.1, ::1');
like($x, qr{Basic Constraints: critical\s*\n\s*CA:FALSE}, 'CA:FALSE');
like($x, qr{Key Usage: critical\s*\n\s*Digital Signature\s*$}m,
    'keyUsage digitalSignature only');
like($x, qr{Extended Key Usage:\s*\n\s*TLS Web Server Authentication\s*$}m,
    'extendedKeyUsage serverAuth');
my $dates = qx{openssl x509 -in '$cert' -noout -startdate -enddate};
my ($nb) = $dates =~ /notBefore=(.*)/;
my ($na) = $dates =~ /notAfter=(.*)/;
my $days = (qx{date -d '$na' +%s} - qx{date -d '$nb' +%s}) / 86400;
is($days, 365, 'valid for 365 days (< 398)');
is(qx{openssl pkey -in '$key' -pubout 2>&1},
    qx{openssl x509 -in '$cert' -noout -pubkey 2>&1},
    'the key is the certificate\'s');
$t = qx{'$hearthd' -f '$conf' -t 2>&1};
is($?, 0, 'hearthd -t accepts them (key mode, dates, match)') or diag $t;

# existing files are kept without -f
my ($c0, $k0) = (slurp($cert), slurp($key));
($rc, $out, $err) = gencert($conf);
is($rc, 1, 'a second gencert exits 1');
like($err, qr{exists; gencert -f replaces it}, 'and says why');
ok(slurp($cert) eq $c0 && slurp($key) eq $k0, 'the files are unchanged');
unlink $cert;
($rc) = gencert($conf);
is($rc, 1, 'the key alone is enough to refuse');
ok(!-e $cert && slurp($key) eq $k0, 'and nothing was written');
for my $f ('-f', '--force') {
	($rc, $out, $err) = gencert($conf, $f);
	is($rc, 0, "gencert $f replaces them") or diag $err;
	isnt(slurp($key), $k0, "a new key with $f");
	is(sprintf('%04o', mode($key)), '0600', "still 0600 after $f");
	$k0 = slurp($key);
}
($rc, undef, $err) = gencert($conf, '-x');
is($rc, 2, 'an unknown gencert option exits 2');
like($err, qr/unknown option: -x/, 'and names it');
($rc) = run({}, undef, $ctl, '-f', $conf, 'status', 'extra');
is($rc, 2, 'other verbs still take no arguments');

# without openssl: 5, like a missing hearthd; a bad config: 6
unlink $cert, $key;
($rc, undef, $err) = gencert($conf, { OPENSSL => "$tmp/no-openssl" });
is($rc, 5, 'no openssl: exit 5');
ok(!-e $key, 'nothing written');
spew("$tmp/bad.conf", slurp($conf) . "workers = \"two\";\n");
($rc) = gencert("$tmp/bad.conf");
is($rc, 6, 'a config with errors: exit 6');

# no tls group: etc/tls under server_root, and a word on turning tls on
my $plain = slurp($conf);
$plain =~ s/^tls = \{.*?^\};\n//ms;
spew("$tmp/plain.conf", $plain);
($rc, $out, $err) = gencert("$tmp/plain.conf");
is($rc, 0, 'without a tls group') or diag $err;
ok(-f $cert && -f $key, 'the files go to etc/tls under server_root');
like($out, qr{tls is off .*\n.*tls = \{ listen = }, 'and it says how to use them');

# one file for both: a key file, so 0600
my $both = slurp($conf);
$both =~ s{"etc/tls/(cert|key)\.pem"}{"etc/both.pem"}g;
spew("$tmp/both.conf", $both);
($rc, $out, $err) = gencert("$tmp/both.conf");
is($rc, 0, 'certificate and key in one file') or diag $err;
is(sprintf('%04o', mode("$root/etc/both.pem")), '0600', 'that file is 0600');
$t = qx{'$hearthd' -f '$tmp/both.conf' -t 2>&1};
is($?, 0, 'and hearthd -t accepts it') or diag $t;

done_testing;
