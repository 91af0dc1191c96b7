# hearth-get against the real server: byte-exact binary bodies, several
# paths over one connection, HEAD, --fail, and the --check conformance
# run, which must pass against hearthd.
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use Hearth qw(slurp);

my $bin = $ENV{HEARTH_GET} //
    ($ENV{HEARTH_BUILDDIR} // '.') . '/src/hearth-get';
my $tmp = tempdir(CLEANUP => 1);

# 10 MiB of pseudo-random bytes, every byte value included
my $big = join '', map { pack 'N', int(rand(2**32)) } 1 .. (10 * 1024 * 1024 / 4);
substr($big, 0, 256) = join '', map { chr } 0 .. 255;

my $h = Hearth->start(files => {
	'htdocs/big.bin' => $big,
	'htdocs/a.txt' => "alpha\n",
	'htdocs/b.txt' => "beta\n",
});
my $port = $h->port;

is(system($bin, '-o', "$tmp/big", '127.0.0.1', $port, '/big.bin'), 0,
    'fetch a 10 MiB binary file');
ok(slurp("$tmp/big") eq $big, 'byte-exact');

my $out = `$bin 127.0.0.1 $port /a.txt /b.txt /a.txt`;
is($?, 0, 'three paths');
is($out, "alpha\nbeta\nalpha\n", 'bodies in order');

$out = `$bin -I 127.0.0.1 $port /a.txt`;
like($out, qr{^HTTP/1\.1 200 OK\r?\n}, '-I prints the status line');
like($out, qr{^Content-Length: 6\r?$}mi, '-I prints the headers');
unlike($out, qr/alpha/, '-I prints no body');

system("$bin -f 127.0.0.1 $port /missing >/dev/null 2>&1");
is($? >> 8, 22, '--fail on 404 exits 22');

$out = `$bin --check 127.0.0.1 $port 2>&1`;
is($?, 0, '--check passes against hearthd') or diag $out;
for my $check (qw(get head not-found etag last-modified range multi-range
    keep-alive pipelining)) {
	like($out, qr/^PASS $check\b/m, "--check: $check passes");
}

# every request was logged
my @lines = $h->wait_access_lines(1);
ok(!grep({ $_ !~ $Hearth::COMBINED_RE } @lines), 'log lines are valid');

$h->stop;
done_testing;
