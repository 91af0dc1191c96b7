# Request paths against the file system (issue 4): traversal in every
# spelling is refused and never leaks a file outside document_root;
# symlinks obey follow_symlinks; dotfiles are hidden; queries are
# ignored; percent-encoded names work; special files do not hang.
use strict;
use warnings;
use Test::More;
use POSIX qw(mkfifo);
use Time::HiRes qw(time);
use Hearth qw(parse_response);

my $HELLO = "hello, world\n";
my $SECRET = "TOPSECRET-7f3a9c\n";
my %files = (
	'htdocs/hello.txt' => $HELLO,
	'htdocs/a b.txt' => "a space\n",
	"htdocs/caf\xc3\xa9.txt" => "utf-8 name\n",
	'htdocs/100%.txt' => "percent\n",
	'htdocs/sub/inner.txt' => "inner\n",
	'htdocs/.env' => "DB_PASSWORD=$SECRET",
	'htdocs/sub/.git/config' => "[core] $SECRET",
	'htdocs/.well/x.txt' => "in a dot directory\n",
	'htdocs/noread.txt' => "unreadable\n",
	'secret.txt' => $SECRET,			# outside document_root
	'private/secret.txt' => $SECRET,
);

# Links are made after the start; files are opened per request.
sub make_links {
	my ($srv) = @_;
	my $r = $srv->root;
	my $d = "$r/htdocs";
	symlink("$r/secret.txt", "$d/out-abs.txt") or die "symlink: $!";
	symlink('../secret.txt', "$d/out-rel.txt") or die "symlink: $!";
	symlink("$r/private", "$d/outdir") or die "symlink: $!";
	symlink('/etc/passwd', "$d/passwd") or die "symlink: $!";
	symlink('hello.txt', "$d/in-rel.txt") or die "symlink: $!";
	symlink('../hello.txt', "$d/sub/in-up.txt") or die "symlink: $!";
	symlink("$d/hello.txt", "$d/in-abs.txt") or die "symlink: $!";
	symlink('sub', "$d/indir") or die "symlink: $!";
	symlink('missing.txt', "$d/dangling.txt") or die "symlink: $!";
	mkfifo("$d/fifo", 0644) or die "mkfifo: $!";
	chmod 0, "$d/noread.txt";
}

my $h = Hearth->start(workers => 2, files => \%files,
    conf => "timeouts = { header = 2; };\n");
make_links($h);

sub fetch {
	my ($srv, $target, $timeout) = @_;
	return parse_response($srv->request("GET $target HTTP/1.1\r\n" .
	    "Host: localhost\r\nConnection: close\r\n\r\n", $timeout // 5));
}

sub leaks {
	my ($text) = @_;
	return $text =~ /TOPSECRET|root:x?:0:0:/;
}

# --- traversal: 400 or 404, and nothing from outside the root
my @traversal = (
	'/../etc/passwd',
	'/../secret.txt',
	'/%2e%2e/%2e%2e/etc/passwd',
	'/%2e%2e/secret.txt',
	'/%2E%2E/secret.txt',
	'/.%2e/secret.txt',
	'/%2e./secret.txt',
	'/.%2e/',
	'/a/../../etc/passwd',
	'/a/../../secret.txt',
	'/sub/../../secret.txt',
	'/htdocs/../../x',
	'/htdocs/../../secret.txt',
	'/%2f..%2f..',
	'/%2f..%2f..%2fsecret.txt',
	'/..%2fetc',
	'/..%2fsecret.txt',
	'/sub/..%2f..%2fsecret.txt',
	'/..%5csecret.txt',
	'//etc/passwd',
	'//secret.txt',
	'/./../secret.txt',
	'/sub/./../../secret.txt',
	'/..\\secret.txt',
	'/..\\..\\etc\\passwd',
	'/sub\\..\\..\\secret.txt',
	'/%5c..%5c..%5csecret.txt',
	'/%c0%ae%c0%ae/secret.txt',
	'/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd',
	'/%c0%afetc/passwd',
	'/%e0%80%ae%e0%80%ae/secret.txt',
	'/%252e%252e/secret.txt',
	'/..;/secret.txt',
	'/.../secret.txt',
	'/sub/..../secret.txt',
	'/hello.txt/../../secret.txt',
	('/a' x 2000),
	('/..' x 2000) . '/etc/passwd',
	('/a' x 1000) . ('/..' x 1001) . '/secret.txt',
	'http://localhost/../secret.txt',
	'http://localhost/%2e%2e/secret.txt',
);
for my $t (@traversal) {
	my $name = length $t > 60 ? substr($t, 0, 40) . '... (' . length($t) .
	    ' bytes)' : $t;
	my ($st, $hd, $body, $head) = fetch($h, $t);
	ok($st == 400 || $st == 404, "traversal $name: 400 or 404") or
	    diag("got $st");
	ok(!leaks("$head$body"), "traversal $name: nothing leaked");
}

for my $t ('/%00', '/hello.txt%00', '/hello.txt%00.html', '/%00/../secret.txt') {
	my ($st, $hd, $body) = fetch($h, $t);
	is($st, 400, "encoded NUL $t: 400");
	ok(!leaks($body), "encoded NUL $t: nothing leaked");
}
for my $t ('/%zz', '/hello.txt%', '/hello.txt%2') {
	my ($st) = fetch($h, $t);
	is($st, 400, "bad percent escape $t: 400");
}
{
	my ($st) = parse_response($h->request(
	    "GET ../secret.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
	is($st, 400, 'relative request-target ../secret.txt: 400');
}

# --- symlinks with follow_symlinks = false (the default)
for my $t ('/out-abs.txt', '/out-rel.txt', '/outdir/secret.txt', '/passwd') {
	my ($st, $hd, $body) = fetch($h, $t);
	ok($st == 403 || $st == 404, "symlink out of the root $t: 403 or 404")
	    or diag("got $st");
	ok(!leaks($body), "symlink out of the root $t: nothing leaked");
}
# follow_symlinks is documented as "serve symlinks that lead out of
# document_root": an absolute link whose target is inside does not.
for my $case (['/in-rel.txt', $HELLO], ['/sub/in-up.txt', $HELLO],
    ['/indir/inner.txt', "inner\n"], ['/in-abs.txt', $HELLO]) {
	my ($st, $hd, $body) = fetch($h, $case->[0]);
	is($st, 200, "symlink inside the root $case->[0]: 200");
	is($body, $case->[1], "symlink inside the root $case->[0]: the target");
}
{
	my ($st) = fetch($h, '/dangling.txt');
	is($st, 404, 'dangling symlink: 404');
}

# --- dotfiles: hidden, however they are spelt
for my $t ('/.env', '/sub/.git/config', '/%2eenv', '/sub/%2egit/config',
    '/.well/x.txt', '/sub/.git/', '/.') {
	my ($st, $hd, $body) = fetch($h, $t);
	ok($st == 404 || ($t eq '/.' && $st == 200 && $body !~ /TOPSECRET/),
	    "dotfile $t: 404") or diag("got $st");
	ok(!leaks($body), "dotfile $t: nothing leaked");
}

# --- queries are not part of the file name
for my $t ('/hello.txt?x=1', '/hello.txt?', '/hello.txt?../../secret.txt',
    '/hello.txt?%00', '/hello.txt?/../../etc/passwd') {
	my ($st, $hd, $body) = fetch($h, $t);
	is($st, 200, "query $t: 200");
	is($body, $HELLO, "query $t: the file");
}

# --- percent-encoded names
for my $case (['/a%20b.txt', "a space\n"], ['/caf%C3%A9.txt', "utf-8 name\n"],
    ['/caf%c3%a9.txt', "utf-8 name\n"], ['/100%25.txt', "percent\n"],
    ['/%68ello.txt', $HELLO], ['/sub/%69nner.txt', "inner\n"]) {
	my ($st, $hd, $body) = fetch($h, $case->[0]);
	is($st, 200, "encoded name $case->[0]: 200");
	is($body, $case->[1], "encoded name $case->[0]: the file");
}

# --- special and unreadable files
{
	my $t0 = time;
	my ($st, $hd, $body) = fetch($h, '/fifo', 5);
	my $t = time - $t0;
	is($st, 403, 'FIFO: 403');
	ok($t < 2, sprintf('FIFO: answered without hanging (%.2f s)', $t));
	($st) = fetch($h, '/hello.txt');
	is($st, 200, 'FIFO: the worker still serves');

	($st, $hd, $body) = fetch($h, '/noread.txt');
	is($st, 403, 'file the server may not read: 403');
	($st) = fetch($h, '/hello.txt/');
	is($st, 404, 'a file with a trailing slash: 404');
}

is($h->stop, 0, 'clean exit on TERM');

# --- follow_symlinks = true: links out of the root are served,
# traversal is still refused
{
	my $f = Hearth->start(workers => 1, files => \%files,
	    conf => "follow_symlinks = true;\n");
	make_links($f);
	my ($st, $hd, $body) = fetch($f, '/out-abs.txt');
	is($st, 200, 'follow_symlinks = true: absolute link out served');
	is($body, $SECRET, 'follow_symlinks = true: its target');
	($st, $hd, $body) = fetch($f, '/out-rel.txt');
	is($body, $SECRET, 'follow_symlinks = true: relative link out served');
	($st, $hd, $body) = fetch($f, '/outdir/secret.txt');
	is($body, $SECRET, 'follow_symlinks = true: directory link out served');
	($st, $hd, $body) = fetch($f, '/in-rel.txt');
	is($body, $HELLO, 'follow_symlinks = true: link inside served');
	for my $t ('/../secret.txt', '/%2e%2e/secret.txt', '/sub/../../secret.txt') {
		($st, $hd, $body) = fetch($f, $t);
		ok(($st == 400 || $st == 404) && !leaks($body),
		    "follow_symlinks = true: traversal $t still refused");
	}
	($st, $hd, $body) = fetch($f, '/.env');
	is($st, 404, 'follow_symlinks = true: dotfiles still hidden');
	is($f->stop, 0, 'clean exit on TERM');
}

done_testing;
