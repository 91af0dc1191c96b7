# HTTPS (the tls group), black-box: what clients see (curl, openssl
# s_client and raw sockets) and what hearthd -t says about bad settings.
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use Hearth qw(wait_until free_port slurp spew);

for my $tool (qw(openssl curl)) {
	plan skip_all => "$tool not installed"
	    unless system('sh', '-c', "command -v $tool >/dev/null") == 0;
}

my $HEARTHD = $Hearth::HEARTHD;
my $tmp = tempdir('hearth-tls-XXXXXX', TMPDIR => 1,
    CLEANUP => !$ENV{HEARTH_KEEP});

# ---------------------------------------------------------------- helpers

# Run a command with $in on stdin; stdout and stderr to one file, which
# a server cannot hold open.  (exit code, output).  timeout(1) bounds
# every client, so a server that hangs fails the test, not the suite.
my $nrun = 0;
sub run_in {
	my ($in, @cmd) = @_;
	my $base = "$tmp/run" . $nrun++;
	spew("$base.in", $in // '');
	my $pid = fork // die "fork: $!";
	if ($pid == 0) {
		open STDIN, '<', "$base.in" or exit 127;
		open STDOUT, '>', "$base.out" or exit 127;
		open STDERR, '>&', \*STDOUT or exit 127;
		exec 'timeout', '20', @cmd;
		exit 127;
	}
	waitpid $pid, 0;
	my $rc = $? & 127 ? 128 + ($? & 127) : $? >> 8;
	my $out = slurp("$base.out") // '';
	unlink "$base.in", "$base.out";
	return ($rc, $out);
}

sub run { return run_in('', @_) }

# A self-signed certificate and key for $cn in $dir: openssl req, so
# that this test does not depend on hearthctl gencert, which it tests.
sub mkcert {
	my ($dir, $name, $cn) = @_;
	my ($c, $k) = ("$dir/$name.pem", "$dir/$name.key");
	my ($rc, $out) = run('sh', '-c', 'umask 077 && exec "$@"', 'sh',
	    'openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt',
	    'ec_paramgen_curve:P-256', '-sha256', '-days', '30', '-nodes',
	    '-subj', "/CN=$cn", '-addext', "subjectAltName=DNS:$cn",
	    '-keyout', $k, '-out', $c);
	die "openssl req for $cn: $out" if $rc != 0;
	chmod 0644, $c;
	return ($c, $k);
}

# A certificate that expired in 2020: openssl req cannot date one in
# the past (-days must be positive), openssl ca -selfsign can.
sub mkcert_expired {
	my ($dir) = @_;
	my $ca = "$dir/ca";
	mkdir $ca;
	spew("$ca/index.txt", '');
	spew("$ca/serial", "01\n");
	spew("$ca/ca.cnf", <<"EOF2");
[ca]
default_ca = old
[old]
database = $ca/index.txt
new_certs_dir = $ca
serial = $ca/serial
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
[any]
commonName = supplied
[req]
distinguished_name = dn
prompt = no
[dn]
CN = expired.test
EOF2
	my ($c, $k) = ("$dir/expired.pem", "$dir/expired.key");
	my ($rc, $out) = run('sh', '-c', 'umask 077 && exec "$@"', 'sh',
	    'openssl', 'req', '-new', '-config', "$ca/ca.cnf", '-newkey', 'ec',
	    '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', $k,
	    '-out', "$ca/req.csr");
	die "openssl req: $out" if $rc != 0;
	($rc, $out) = run('openssl', 'ca', '-batch', '-config', "$ca/ca.cnf",
	    '-selfsign', '-keyfile', $k, '-in', "$ca/req.csr", '-out', $c,
	    '-startdate', '20200101000000Z', '-enddate', '20200201000000Z',
	    '-notext');
	die "openssl ca: $out" if $rc != 0;
	return ($c, $k);
}

# The 1-based line of the first line of $text that matches $re.
sub line_of {
	my ($text, $re) = @_;
	my @l = split /\n/, $text;
	for my $i (0 .. $#l) {
		return $i + 1 if $l[$i] =~ $re;
	}
	die "no line matches $re";
}

# ------------------------------------------------- config errors (-t)

{
	my $h = Hearth->start(no_spawn => 1);
	my $root = $h->root;
	my $etc = "$root/etc";
	my ($cert, $key) = mkcert($etc, 'good', 'localhost');
	my (undef, $okey) = mkcert($etc, 'other', 'other.test');
	my ($xcert, $xkey) = mkcert_expired($tmp);

	# a config whose tls group sets @set, one per line
	my $n = 0;
	my $conf_with = sub {
		my (@set) = @_;
		my $tp = free_port();
		my $text = $h->conf_text . "tls = {\n" .
		    "    listen = [ \"127.0.0.1:$tp\" ];\n" .
		    join('', map { "    $_;\n" } @set) . "};\n";
		my $f = "$etc/t" . $n++ . '.conf';
		spew($f, $text);
		return ($f, $text);
	};
	my ($f, $text, $rc, $out);

	($f) = $conf_with->("certificate = \"$cert\"", "key = \"$key\"");
	($rc, $out) = run($HEARTHD, '-f', $f, '-t');
	is($rc, 0, 'a matching certificate and key: -t says Syntax OK')
	    or diag $out;

	($f, $text) = $conf_with->("certificate = \"etc/none.pem\"",
	    "key = \"$key\"");
	($rc, $out) = run($HEARTHD, '-f', $f, '-t');
	isnt($rc, 0, 'a missing certificate is an error');
	like($out, qr{^\Q$f\E:@{[line_of($text, qr/certificate =/)]}: tls: certificate \Q$etc\E/none\.pem: No such file or directory$}m,
	    'at its line, with the system\'s reason (not "system lib")');

	spew("$etc/junk.pem", "not a certificate\n");
	($f, $text) = $conf_with->("certificate = \"etc/junk.pem\"",
	    "key = \"$key\"");
	($rc, $out) = run($HEARTHD, '-f', $f, '-t');
	like($out, qr{^\Q$f\E:\d+: tls: certificate \S+junk\.pem: no start line$}m,
	    'a file with no PEM in it says so (not "PEM lib")');

	($f, $text) = $conf_with->("certificate = \"$cert\"", "key = \"$okey\"");
	($rc, $out) = run($HEARTHD, '-f', $f, '-t');
	isnt($rc, 0, 'a key that does not match: -t fails');
	like($out, qr{^\Q$f\E:@{[line_of($text, qr/^\s*key =/)]}: tls: key \Q$okey\E does not match certificate \Q$cert\E$}m,
	    'at the line of key');
	($rc, $out) = run($HEARTHD, '-f', $f, '-D', 'FOREGROUND');
	is($rc, 1, 'and hearthd does not start with it');
	like($out, qr{does not match certificate}, 'saying why');

	# the line of the SNI entry's own key
	($f, $text) = $conf_with->("certificate = \"$cert\"",
	    "key = \"$key\"", "sni = ( {\n        name = \"other.test\";\n" .
	    "        certificate = \"$cert\";\n" .
	    "        key = \"$okey\";\n    } )");
	($rc, $out) = run($HEARTHD, '-f', $f, '-t');
	like($out, qr{^\Q$f\E:@{[line_of($text, qr/^\s*key = "\Q$okey\E"/)]}: tls sni: key \Q$okey\E does not match certificate}m,
	    'an SNI entry\'s mismatch is at its own key line');

	my ($rcp, $pout) = run('openssl', 'pkey', '-in', $key, '-aes128',
	    '-passout', 'pass:secret', '-out', "$etc/enc.key");
	die "openssl pkey: $pout" if $rcp != 0;
	chmod 0600, "$etc/enc.key";
	($f, $text) = $conf_with->("certificate = \"$cert\"",
	    "key = \"etc/enc.key\"");
	($rc, $out) = run($HEARTHD, '-f', $f, '-t');
	like($out, qr{^\Q$f\E:@{[line_of($text, qr/^\s*key =/)]}: tls: key \S+enc\.key: .*\(a key with a passphrase cannot be used\)$}m,
	    'a key with a passphrase: says it cannot be used');

	($f, $text) = $conf_with->("certificate = \"$xcert\"",
	    "key = \"$xkey\"");
	($rc, $out) = run($HEARTHD, '-f', $f, '-t');
	isnt($rc, 0, 'an expired certificate: -t fails');
	like($out, qr{^\Q$f\E:@{[line_of($text, qr/certificate =/)]}: tls: certificate expired on Feb  1 00:00:00 2020 GMT$}m,
	    'at the line of certificate, with the date');

	for my $m ([0644, 'others'], [0640, 'its group']) {
		my ($mode, $who) = @$m;
		chmod $mode, $key;
		($f, $text) = $conf_with->("certificate = \"$cert\"",
		    "key = \"$key\"");
		($rc, $out) = run($HEARTHD, '-f', $f, '-t');
		isnt($rc, 0, sprintf('a key of mode %04o: -t fails', $mode));
		like($out, qr{^\Q$f\E:@{[line_of($text, qr/^\s*key =/)]}: tls: key \Q$key\E can be read by \Q$who\E \(mode 0\d+\): chmod 600 it$}m,
		    "names who can read it ($who)");
	}
	chmod 0600, $key;

	($f, $text) = $conf_with->("certificate = \"$cert\"",
	    "key = \"$key\"", 'protocols = "TLSv1.1 TLSv1.2"');
	($rc, $out) = run($HEARTHD, '-f', $f, '-t');
	isnt($rc, 0, 'TLSv1.1 in protocols: an error');
	like($out, qr{^\Q$f\E:@{[line_of($text, qr/protocols =/)]}: tls protocol TLSv1\.1 is not offered: it is no longer secure \(RFC 8996\)}m,
	    'at the line of protocols, citing RFC 8996');
	($f, $text) = $conf_with->("certificate = \"$cert\"",
	    "key = \"$key\"", 'protocols = "TLSv1.0"');
	($rc, $out) = run($HEARTHD, '-f', $f, '-t');
	like($out, qr{tls protocol TLSv1\.0 is not offered}, 'TLSv1.0 too');
}

done_testing;
