# The open-file cache never serves a stale or forbidden file: changes
# show on the very next request, and a cached file swapped for a symlink
# out of the root is refused like any other.  Hits make no stat() while
# inotify is quiet, so each case below first makes the entry one that
# inotify vouches for (loaded, then seen fresh once), then changes the
# file the way a deploy or an editor would.
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

# Get path three times (load, first check, a hit on trust), then make
# the change and look once more.
sub after_change {
	my ($path, $change, $want, $name) = @_;
	$h->get($path) for 1 .. 3;
	$change->();
	my ($st, undef, $body) = $h->get($path);
	is("$st $body", "200 $want", $name);
}
my $d = "$root/htdocs";
spew("$d/r.txt", "old\n");
after_change('/r.txt', sub {
	spew("$d/.r.txt.tmp", "new\n");	# same size, same second
	rename("$d/.r.txt.tmp", "$d/r.txt") or die;
}, "new\n", 'a file renamed over a cached one (atomic deploy)');
spew("$d/sub/deep/f.txt", "one\n");
after_change('/sub/deep/f.txt', sub {
	spew("$d/sub/deep.new/f.txt", "two\n");
	rename("$d/sub/deep", "$d/sub/deep.old") or die;
	rename("$d/sub/deep.new", "$d/sub/deep") or die;
}, "two\n", 'a directory on the path swapped for another');
spew("$d/sub/deep.old/g.txt", "gee\n");
after_change('/sub/deep.old/g.txt', sub {
	rename("$d/sub", "$d/sub2") or die;
	spew("$d/sub/deep.old/g.txt", "hey\n");
}, "hey\n", 'a directory further up moved away and made again');
mkdir "$root/elsewhere" or die;
spew("$d/hl.txt", "aaa\n");
link("$d/hl.txt", "$root/elsewhere/hl.txt") or die;
after_change('/hl.txt', sub {
	open(my $f, '+<', "$root/elsewhere/hl.txt") or die;
	print $f "bbb\n";
	close $f;
}, "bbb\n", 'a change through a hard link outside the root');
# htdocs/cur -> rel/current -> r1: the names that change are in rel/,
# which no watch on the way to /cur/ covers
spew("$d/rel/r1/v.txt", "r1\n");
spew("$d/rel/r2/v.txt", "r2\n");
symlink("r1", "$d/rel/current") or die;
symlink("rel/current", "$d/cur") or die;
after_change('/cur/v.txt', sub {
	symlink("r2", "$d/rel/current.new") or die;
	rename("$d/rel/current.new", "$d/rel/current") or die;
}, "r2\n", 'a symlink swapped beyond the path\'s own directories');
$h->get('/r.txt') for 1 .. 3;
chmod 0, "$d/r.txt";
($st) = $h->get('/r.txt');
is($st, 403, 'a cached file made unreadable: 403');
chmod 0644, "$d/r.txt";


# Above 16 KiB the cache keeps the file open instead of its bytes.
spew("$d/big.txt", "x" x 100000);
($st, undef, $body) = $h->get('/big.txt');
is(length $body, 100000, 'files above the cache limit are sent whole');
after_change('/big.txt', sub { spew("$d/big.txt", "y" x 100000) },
    "y" x 100000, 'a large file rewritten in place');
after_change('/big.txt', sub { spew("$d/big.txt", "z" x 50000) },
    "z" x 50000, 'a large file made shorter: the new length');
after_change('/big.txt', sub {
	spew("$d/.big.tmp", "w" x 70000);
	rename("$d/.big.tmp", "$d/big.txt") or die;
}, "w" x 70000, 'a large file renamed over');
$h->get('/big.txt') for 1 .. 3;
unlink "$d/big.txt";
($st) = $h->get('/big.txt');
is($st, 404, 'a large cached file deleted: 404');
$h->stop;
done_testing;
