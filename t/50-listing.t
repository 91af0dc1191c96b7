# Directory listings: off by default, on per prefix; HTML, JSON and
# text; sorting; odd names escaped; dotfiles and escaping symlinks hidden.
use strict;
use warnings;
use Test::More;
use JSON::PP;
use Time::HiRes qw(time);
use Hearth qw(spew);

my $odd = qq{we"ird <name> 50%#?.txt};
my $h = Hearth->start(conf => "listing = [ \"/files/\" ];\n", files => {
	'htdocs/files/small.txt' => "a",
	'htdocs/files/big.txt' => "b" x 5000,
	'htdocs/files/sub/x.txt' => "x",
	"htdocs/files/$odd" => "odd",
	'htdocs/files/.secret' => "hidden",
	'htdocs/closed/a.txt' => "a",
});
my $root = $h->root;
symlink('/etc', "$root/htdocs/files/etc-link") or die;
symlink('small.txt', "$root/htdocs/files/inside-link") or die;

my ($st, $hd, $body) = $h->get('/closed/');
is($st, 403, 'no listing where it is not enabled');

($st, $hd, $body) = $h->get('/files/');
is($st, 200, 'listing enabled for /files/');
like($hd->{'content-type'}, qr{^text/html}, 'HTML by default');
is($hd->{vary}, 'Accept', 'Vary: Accept');
like($body, qr{href="sub/"}, 'subdirectory listed with a slash');
like($body, qr{href="small\.txt"}, 'file listed');
unlike($body, qr/secret/, 'dotfiles hidden');
unlike($body, qr/etc-link/, 'symlink out of the root hidden');
like($body, qr/inside-link/, 'symlink inside the root listed');
like($body, qr{href="we%22ird%20%3Cname%3E%2050%25%23%3F\.txt"}, 'odd name percent-encoded in href');
like($body, qr{we&quot;ird &lt;name&gt; 50%#\?\.txt}, 'odd name HTML-escaped in text');
unlike($body, qr{<name>}, 'no raw markup from names');
ok(index($body, 'sub/') < index($body, 'big.txt'), 'directories first');

($st, $hd, $body) = $h->get('/files/?sort=size&order=desc');
ok(index($body, 'big.txt') < index($body, 'small.txt'), 'sort=size&order=desc');

($st, $hd, $body) = $h->get('/files/', headers => { Accept => 'application/json' });
like($hd->{'content-type'}, qr{^application/json}, 'JSON on Accept: application/json');
my $list = eval { decode_json($body) };
ok($list, 'valid JSON') or diag $@;
my %by = map { $_->{name} => $_ } @{ $list // [] };
is($by{'big.txt'}{size}, 5000, 'size in JSON');
is($by{sub}{type}, 'dir', 'type in JSON');
ok(exists $by{$odd}, 'odd name round-trips through JSON');

($st, $hd, $body) = $h->get('/files/', headers => { Accept => 'text/plain' });
like($hd->{'content-type'}, qr{^text/plain}, 'text on Accept: text/plain');
like($body, qr{^sub/$}m, 'text listing');

($st, $hd) = $h->get('/files');
is($st, 301, '/files redirects to /files/');

($st, $hd, $body) = $h->get('/files/', method => 'HEAD');
is($body, '', 'HEAD of a listing has no body');

# 10,000 entries: report the time (speed goals live in bench/)
my $dir = "$root/htdocs/files/many";
mkdir $dir or die;
for my $i (1 .. 10000) {
	open my $fh, '>', sprintf("%s/file-%05d.txt", $dir, $i) or die;
	close $fh;
}
my $t0 = time;
($st, $hd, $body) = $h->get('/files/many/');
my $ms = (time - $t0) * 1000;
is($st, 200, '10,000-entry directory listed');
is(() = $body =~ /<tr>/g, 10002, 'all entries present (plus header and ../)');
diag sprintf('10,000 entries listed in %.1f ms', $ms);

$h->stop;
done_testing;
