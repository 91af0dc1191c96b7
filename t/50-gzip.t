# Compression and caching headers (issue 9): Accept-Encoding
# negotiation, the gzip variant's bytes and ETag, Range, HEAD and 304,
# precompressed siblings, min_size, Cache-Control and Expires.
use strict;
use warnings;
use Test::More;
use Hearth qw(spew);
use Compress::Zlib qw(memGunzip memGzip);
use Time::Piece;

sub str2time {
	return Time::Piece->strptime($_[0], '%a, %d %b %Y %H:%M:%S GMT')->epoch;
}

# memGunzip() eats its argument: give it a copy
sub gunzip { my ($z) = @_; return memGunzip($z) }

my $css = join '', map { ".c$_ { color: #$_; margin: 0 auto; }\n" } 1 .. 200;
my $js = join '', map { "function f$_() { return $_ * 2; }\n" } 1 .. 12000;
my $png = join '', map { chr(($_ * 7919) % 256) } 1 .. 3000;
my $fp = '*.[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]' .
    '[0-9a-f][0-9a-f].*';
my $h = Hearth->start(workers => 1, conf => <<"EOF2",
gzip = { precompressed = true; };
cache_control = (
    { match = "*.css"; value = "max-age=3600"; },
    { match = "$fp"; value = "max-age=31536000, immutable"; }
);
EOF2
    files => {
	'htdocs/s.css' => $css,
	'htdocs/big.js' => $js,
	'htdocs/tiny.txt' => "small\n",
	'htdocs/i.png' => $png,
	'htdocs/page.html' => "<p>" . ("hello " x 100) . "</p>\n",
	'htdocs/app.0123abcd.js' => $js,
	'htdocs/pre.css' => $css,
	'htdocs/pre.css.gz' => memGzip("/* the sibling */\n"),
	'htdocs/old.css' => $css,
	'htdocs/old.css.gz' => memGzip("/* stale */\n"),
    });
my $root = $h->root;
utime(time - 100, time - 100, "$root/htdocs/old.css.gz") or die;
utime(time - 200, time - 200, "$root/htdocs/pre.css") or die;

sub get_ae {
	my ($path, $ae, %o) = @_;
	my %hd = %{ $o{headers} // {} };
	$hd{'Accept-Encoding'} = $ae if defined $ae;
	return $h->get($path, %o, headers => \%hd);
}

# negotiation
my @cases = (
	[ undef, 'identity' ], [ 'gzip', 'gzip' ], [ 'gzip;q=0', 'identity' ],
	[ 'gzip, identity;q=0', 'gzip' ], [ '*', 'gzip' ], [ 'GZIP', 'gzip' ],
	[ 'x-gzip', 'gzip' ], [ 'br, deflate', 'identity' ],
	[ 'gzip;q=0.5, identity;q=0.9', 'identity' ],
	[ 'identity;q=0.5, gzip;q=0.9', 'gzip' ],
	[ 'gzip;q=0, *', 'identity' ], [ '', 'identity' ],
);
for my $c (@cases) {
	my ($ae, $want) = @$c;
	my $name = defined $ae ? "\"$ae\"" : 'no Accept-Encoding';
	my ($st, $hd, $body) = get_ae('/s.css', $ae);
	is($st, 200, "$name: 200");
	is($hd->{'content-encoding'} // 'identity', $want, "$name: $want");
	is($hd->{vary}, 'Accept-Encoding', "$name: Vary");
	my $plain = $want eq 'gzip' ? gunzip($body) : $body;
	is($plain, $css, "$name: the file's bytes");
	is($hd->{'content-length'}, length $body, "$name: Content-Length");
}
my ($st, $hd, $body) = get_ae('/s.css', 'gzip;q=0, identity;q=0');
is($st, 406, 'gzip and identity refused: 406');
($st) = get_ae('/i.png', 'gzip, identity;q=0');
is($st, 406, 'an image with identity refused: 406');

# small and large files: both variants are kept with the open-file cache
for my $path ('/s.css', '/big.js') {
	my $file = $path eq '/s.css' ? $css : $js;
	for my $round (1 .. 2) {
		($st, $hd, $body) = get_ae($path, 'gzip');
		is($hd->{'content-encoding'}, 'gzip', "$path #$round gzip");
		is(gunzip($body), $file, "$path #$round decompresses");
		ok(length $body < length $file, "$path #$round smaller");
	}
	my ($st1, $id) = get_ae($path, undef);
	my ($st2, $gz) = get_ae($path, 'gzip');
	isnt($id->{etag}, $gz->{etag}, "$path: the variants' ETags differ");
	like($gz->{etag}, qr/-gz"$/, "$path: the gzip ETag ends in -gz");
	($st, $hd) = get_ae($path, 'gzip',
	    headers => { 'If-None-Match' => $gz->{etag} });
	is($st, 304, "$path: 304 for the gzip variant's ETag");
	is($hd->{etag}, $gz->{etag}, "$path: the 304 names the gzip ETag");
	is($hd->{vary}, 'Accept-Encoding', "$path: the 304 has Vary");
	($st) = get_ae($path, undef,
	    headers => { 'If-None-Match' => $id->{etag} });
	is($st, 304, "$path: 304 for the identity ETag without gzip");
	($st, $hd) = get_ae($path, 'gzip',
	    headers => { 'If-None-Match' => $id->{etag} });
	is($st, 200, "$path: the identity ETag does not validate gzip");
	is($hd->{'content-encoding'}, 'gzip', "$path: so gzip is sent");
	# HEAD says what GET would
	my (undef, $g) = get_ae($path, 'gzip');
	my (undef, $hh, $hb) = get_ae($path, 'gzip', method => 'HEAD');
	for my $f (qw(content-encoding content-length etag vary
	    content-type last-modified)) {
		is($hh->{$f}, $g->{$f}, "$path: HEAD $f equals GET's");
	}
	is($hb, '', "$path: HEAD has no body");
	# Range gets identity
	($st, $hd, $body) = get_ae($path, 'gzip',
	    headers => { Range => 'bytes=0-9' });
	is($st, 206, "$path: Range: 206");
	ok(!exists $hd->{'content-encoding'}, "$path: Range is identity");
	is($body, substr($file, 0, 10), "$path: the file's first bytes");
	is($hd->{vary}, 'Accept-Encoding', "$path: the 206 has Vary");
}

# not compressed: images (and no Vary), files under min_size (Vary)
($st, $hd, $body) = get_ae('/i.png', 'gzip');
ok(!exists $hd->{'content-encoding'}, 'an image is not compressed');
ok(!exists $hd->{vary}, 'and has no Vary');
is($body, $png, 'and is the file');
($st, $hd, $body) = get_ae('/tiny.txt', 'gzip');
ok(!exists $hd->{'content-encoding'}, 'a file under min_size: identity');
is($hd->{vary}, 'Accept-Encoding', 'but Vary: it is a text type');
is($body, "small\n", 'tiny file bytes');

# precompressed siblings
($st, $hd, $body) = get_ae('/pre.css', 'gzip');
is($hd->{'content-encoding'}, 'gzip', 'pre.css: gzip');
is(gunzip($body), "/* the sibling */\n", 'pre.css: the .gz is sent');
like($hd->{'content-type'}, qr{^text/css}, "pre.css: the original's type");
($st, $hd) = get_ae('/pre.css', 'gzip',
    headers => { 'If-None-Match' => $hd->{etag} });
is($st, 304, 'pre.css: 304 for the sibling ETag');
($st, $hd, $body) = get_ae('/pre.css', undef);
is($body, $css, 'pre.css without gzip: the original');
($st, $hd, $body) = get_ae('/old.css', 'gzip');
is(gunzip($body), $css, 'a sibling older than the file is ignored');
($st, $hd, $body) = get_ae('/pre.css.gz', 'gzip');
is($st, 200, 'the sibling itself is still a file');

# Cache-Control and Expires
($st, $hd) = get_ae('/s.css', 'gzip');
is($hd->{'cache-control'}, 'max-age=3600', '*.css: max-age');
my $d = str2time($hd->{date});
is(str2time($hd->{expires}) - $d, 3600, 'Expires is Date + max-age');
like($hd->{expires}, qr/^\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT$/,
    'Expires is an IMF-fixdate');
($st, $hd) = get_ae('/s.css', 'gzip',
    headers => { 'If-None-Match' => (get_ae('/s.css', 'gzip'))[1]{etag} });
is($st, 304, '304 for s.css');
is($hd->{'cache-control'}, 'max-age=3600', 'the 304 has Cache-Control');
($st, $hd) = get_ae('/page.html', 'gzip');
is($hd->{'cache-control'}, 'no-cache', 'HTML revalidates by default');
ok(!exists $hd->{expires}, 'HTML: no Expires');
($st, $hd) = get_ae('/', undef);
is($hd->{'cache-control'}, 'no-cache', 'an index page too');
($st, $hd) = get_ae('/app.0123abcd.js', 'gzip');
is($hd->{'cache-control'}, 'max-age=31536000, immutable',
    'a fingerprinted asset is immutable');
($st, $hd) = get_ae('/i.png', 'gzip');
ok(!exists $hd->{'cache-control'}, 'no rule, not HTML: no Cache-Control');

# a large file's kept variant goes when the file changes, even at the
# same size and within the same second (the ETag has nanoseconds)
{
	my $js2 = $js =~ tr/2/3/r;
	length($js2) == length($js) or die;
	my ($s1, $h1, $b1) = get_ae('/big.js', 'gzip');
	spew("$root/htdocs/big.js", $js2);
	my ($s2, $h2, $b2) = get_ae('/big.js', 'gzip');
	is(gunzip($b2), $js2, 'a changed large file: the new bytes, gzipped');
	isnt($h2->{etag}, $h1->{etag}, 'and a new gzip ETag');
	($s2, $h2, $b2) = get_ae('/big.js', 'gzip');
	is(gunzip($b2), $js2, 'the next request too (the new variant kept)');
}
$h->stop;

# gzip can be turned off: identity, and no Vary
$h = Hearth->start(workers => 1, conf => "gzip = { enabled = false; };\n",
    files => { 'htdocs/s.css' => $css });
($st, $hd, $body) = get_ae('/s.css', 'gzip');
ok(!exists $hd->{'content-encoding'}, 'enabled = false: identity');
ok(!exists $hd->{vary}, 'enabled = false: no Vary');
$h->stop;
done_testing;
