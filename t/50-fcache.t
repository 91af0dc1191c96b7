# The open-file cache never serves a stale or forbidden file: changes
# show on the very next request, and a cached file swapped for a symlink
# out of the root is refused like any other.
use strict;
use warnings;
use Test::More;
use Hearth qw(spew);
use File::Temp qw(tempdir);

my $h = Hearth->start(workers => 1, files => { 'htdocs/c.txt' => "v0\n" });
my $root = $h->root;
for my $i (1 .. 5) {
	my ($st, undef, $body) = $h->get('/c.txt');
	is($body, "v" . ($i - 1) . "\n", "request $i sees the current content");
	spew("$root/htdocs/c.txt", "v$i\n");	# same size, same second
}
my $out = tempdir(CLEANUP => 1);
chmod 0755, $out;
spew("$out/secret.txt", "secret\n");
chmod 0644, "$out/secret.txt";
$h->get('/c.txt');
unlink "$root/htdocs/c.txt";
symlink("$out/secret.txt", "$root/htdocs/c.txt") or die;
my ($st, undef, $body) = $h->get('/c.txt');
is($st, 403, 'a cached file replaced by a symlink out of the root: 403');
unlike($body, qr/secret/, 'and nothing leaks');
unlink "$root/htdocs/c.txt";
($st) = $h->get('/c.txt');
is($st, 404, 'a cached file deleted: 404');
spew("$root/htdocs/big.txt", "x" x 100000);
($st, undef, $body) = $h->get('/big.txt');
is(length $body, 100000, 'files above the cache limit are sent whole');
$h->stop;
done_testing;
