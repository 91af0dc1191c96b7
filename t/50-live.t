#!/usr/bin/perl
# Live reload (issue 10): the /.hearth/live event stream, the script
# injected into HTML, /.hearth/live.js, and hearthd --serve.
use strict;
use warnings;
use File::Path qw(make_path);
use IO::Socket::INET;
use POSIX qw(:sys_wait_h);
use Test::More;
use Time::HiRes qw(time sleep);
use Hearth qw(wait_until spew slurp free_port parse_response);

my $SNIP = '<script src="/.hearth/live.js"></script>';

my %files = (
	'htdocs/body.html' => "<html><head><title>t</title></head>\n" .
	    "<body><p>hi</p></body>\n</html>\n",
	'htdocs/nobody.html' => "<html><head><title>t</title></head>\n" .
	    "<p>no body end tag</p>\n",
	'htdocs/bare.html' => "<p>neither end tag</p>\n",
	'htdocs/s.css' => "p { color: red; }\n",
	'htdocs/docs/in.html' => "<body>docs</body>",
	'htdocs/.git/HEAD' => "ref: refs/heads/main\n",
);

my $s = Hearth->start(files => \%files, conf =>
    "live_reload = { enabled = true; };\n");
my $root = $s->root;
my $htdocs = "$root/htdocs";

# ------------------------------------------------------------ streams

# Open /.hearth/live; returns the socket, the head and the body so far.
sub sse_open {
	my ($srv) = @_;
	my $c = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
	    PeerPort => $srv->port, Proto => 'tcp', Timeout => 5) or die $!;
	$c->autoflush(1);
	print $c "GET /.hearth/live HTTP/1.1\r\nHost: x\r\n" .
	    "Accept: text/event-stream\r\n\r\n";
	my $buf = '';
	wait_until(sub { sse_read($c, \$buf, 0.05); $buf =~ /\r\n\r\n.*\n\n/s },
	    5);
	my ($head, $body) = split /\r\n\r\n/, $buf, 2;
	return { sock => $c, head => $head // '', buf => $body // '' };
}

# Read what is there, waiting at most $t seconds; 0 on EOF.
sub sse_read {
	my ($c, $bufref, $t) = @_;
	my $rin = '';
	vec($rin, fileno($c), 1) = 1;
	return 1 unless select(my $r = $rin, undef, undef, $t) > 0;
	my $n = sysread($c, my $chunk, 65536);
	return 0 unless $n;
	$$bufref .= $chunk;
	return 1;
}

# Take the complete events from the stream: the data of each.
sub sse_events {
	my ($st) = @_;
	my @ev;
	while ($st->{buf} =~ s/^(.*?)\n\n//s) {
		my $block = $1;
		my @data = $block =~ /^data: ?(.*)$/mg;
		push @ev, join("\n", @data) if @data;
	}
	return @ev;
}

# Wait until an event with this data arrives: the seconds it took, or
# undef.  Events seen on the way are kept in @{$st->{seen}}.
sub sse_wait {
	my ($st, $want, $timeout) = @_;
	my $t0 = time;
	my $deadline = $t0 + ($timeout // 1);
	while (time < $deadline) {
		for my $e (sse_events($st)) {
			push @{ $st->{seen} }, $e;
			return time - $t0 if $e eq $want;
		}
		last unless sse_read($st->{sock}, \$st->{buf}, 0.02);
	}
	for my $e (sse_events($st)) {
		push @{ $st->{seen} }, $e;
		return time - $t0 if $e eq $want;
	}
	return undef;
}

my @st = map { sse_open($s) } 1 .. 4;
my ($status, %h);
{
	my @l = split /\r\n/, $st[0]{head};
	($status) = (shift(@l) // '') =~ /^HTTP\/1\.1 (\d+)/;
	%h = map { /^([^:]+):\s*(.*)$/ ? (lc $1, $2) : () } @l;
}
is($status, 200, 'stream: 200');
is($h{'content-type'}, 'text/event-stream', 'stream: text/event-stream');
is($h{'cache-control'}, 'no-store', 'stream: Cache-Control: no-store');
ok(!exists $h{'content-length'}, 'stream: no Content-Length');
like($st[0]{buf}, qr/^retry: 1000\n\n/, 'stream: retry: 1000 first');
$_->{buf} =~ s/^retry: \d+\n\n// for @st;

# A change reaches every stream (the four are spread over both workers).
spew("$htdocs/body.html", slurp("$htdocs/body.html") . "<!-- 2 -->\n");
my @lat = map { sse_wait($_, '/body.html', 1) } @st;
is(scalar(grep { defined } @lat), 4, 'a change reaches all 4 streams')
    or diag explain [ map { $_->{seen} } @st ];
diag(sprintf 'change -> event: %.0f ms', 1000 * ($lat[0] // 9));

# A file in a directory created just now.
make_path("$htdocs/new/deeper");
spew("$htdocs/new/deeper/page.html", "<p>new</p>");
ok(defined sse_wait($st[0], '/new/deeper/page.html', 1),
    'a file in a new subdirectory: event within 1 s')
    or diag explain $st[0]{seen};

# An editor's atomic save: write a temporary file, rename it over.
spew("$htdocs/.bare.html.tmp1234", "<p>saved</p>\n");
rename "$htdocs/.bare.html.tmp1234", "$htdocs/bare.html" or die $!;
ok(defined sse_wait($st[0], '/bare.html', 1),
    'an atomic save (temp file + rename): event within 1 s')
    or diag explain $st[0]{seen};
spew("$htdocs/bare.html", "<p>neither end tag</p>\n");
sse_wait($st[0], '/bare.html', 1);

# Ignored files say nothing.  A later marker bounds the wait.
$st[0]{seen} = [];
spew("$htdocs/x.swp", "swap");
spew("$htdocs/.git/HEAD", "ref: refs/heads/other\n");
spew("$htdocs/backup~", "old");
sleep 0.6;	# longer than the watcher's debounce and its 300 ms cap
spew("$htdocs/marker.txt", "m");
ok(defined sse_wait($st[0], '/marker.txt', 1), 'marker event arrives');
is_deeply([ grep { $_ ne '/marker.txt' } @{ $st[0]{seen} } ], [],
    'x.swp, .git/HEAD and backup~ trigger nothing');

# ------------------------------------------------------------ injection

sub get { my ($srv, $p, %o) = @_; return $srv->get($p, %o) }

my $body_html = slurp("$htdocs/body.html");
my ($st200, $hh, $b) = get($s, '/body.html');
is($st200, 200, 'page: 200');
(my $want = $body_html) =~ s{</body>}{$SNIP</body>};
is($b, $want, 'script before </body>');
is($hh->{'content-length'}, length($b), 'Content-Length counts the script');
like($hh->{etag}, qr/^"[^"]+-lr"$/, 'ETag of the injected variant');
my $etag = $hh->{etag};

($st200, $hh, $b) = get($s, '/nobody.html');
($want = slurp("$htdocs/nobody.html")) =~ s{</head>}{$SNIP</head>};
is($b, $want, 'no </body>: script before </head>');
is($hh->{'content-length'}, length($b), 'no </body>: Content-Length');

($st200, $hh, $b) = get($s, '/bare.html');
is($b, slurp("$htdocs/bare.html") . $SNIP, 'neither tag: script at the end');
is($hh->{'content-length'}, length($b), 'neither tag: Content-Length');

my ($s304, $h304, $b304) = get($s, '/body.html',
    headers => { 'If-None-Match' => $etag });
is($s304, 304, 'If-None-Match with the injected ETag: 304');
is($h304->{etag}, $etag, '304 carries the injected ETag');
is($b304, '', '304 has no body');
(my $plain = $etag) =~ s/-lr"$/"/;
($st200) = get($s, '/body.html', headers => { 'If-None-Match' => $plain });
is($st200, 200, "the plain variant's ETag does not match: 200");

my ($sh, $hh2, $bh) = get($s, '/body.html', method => 'HEAD');
is($sh, 200, 'HEAD: 200');
is($hh2->{'content-length'}, length($body_html) + length($SNIP),
    'HEAD: the injected Content-Length');
is($bh, '', 'HEAD: no body');

($st200, $hh, $b) = get($s, '/s.css');
is($b, slurp("$htdocs/s.css"), 'CSS untouched');
unlike($hh->{etag} // '', qr/-lr/, 'CSS: plain ETag');

my ($sr, $hr, $br) = get($s, '/body.html', headers => { Range => 'bytes=0-9' });
is($sr, 200, 'Range on an injected page: 200 (the whole page)');
is($br, $want = do { (my $x = $body_html) =~ s{</body>}{$SNIP</body>}; $x },
    'Range on an injected page: the injected body');
($sr, $hr, $br) = get($s, '/s.css', headers => { Range => 'bytes=0-1' });
is($sr, 206, 'Range on CSS: 206');
is($br, 'p ', 'Range on CSS: the bytes');

my ($s404, $h404, $b404) = get($s, '/missing.html');
is($s404, 404, 'missing: 404');
like($b404, qr/\Q$SNIP\E<\/body>/i, 'the 404 page gets the script');
is($h404->{'content-length'}, length($b404), '404: Content-Length');

my ($sj, $hj, $bj) = get($s, '/.hearth/live.js');
is($sj, 200, 'live.js: 200');
is($hj->{'content-type'}, 'application/javascript; charset=utf-8',
    'live.js: type');
like($bj, qr/EventSource/, 'live.js: the script');
is($hj->{'content-length'}, length($bj), 'live.js: Content-Length');
($sj) = get($s, '/.hearth/live.js',
    headers => { 'If-None-Match' => $hj->{etag} });
is($sj, 304, 'live.js: 304 for its ETag');
($sj) = get($s, '/.hearth/live', method => 'POST');
is($sj, 405, 'POST to the stream: 405');

# ------------------------------------------------------------ disabled

my $off = Hearth->start(conf => "document_root = \"$htdocs\";\n");
my ($so, $ho, $bo) = get($off, '/body.html');
is($bo, slurp("$htdocs/body.html"), 'disabled: no script');
is("$ho->{etag}", $plain, 'disabled: the plain ETag (differs from live)');
isnt($ho->{etag}, $etag, 'live and plain ETags differ');
($so) = get($off, '/.hearth/live');
is($so, 404, 'disabled: /.hearth/live is 404');
($so) = get($off, '/.hearth/live.js');
is($so, 404, 'disabled: /.hearth/live.js is 404');
$off->stop;

my $docs = Hearth->start(conf => "document_root = \"$htdocs\";\n" .
    "live_reload = { enabled = true; paths = [ \"/docs/\" ]; };\n");
(undef, undef, $b) = get($docs, '/docs/in.html');
like($b, qr/\Q$SNIP\E/, 'paths: under the prefix, the script');
(undef, undef, $b) = get($docs, '/body.html');
unlike($b, qr/\Q$SNIP\E/, 'paths: outside it, none');
$docs->stop;

# ------------------------------------------------------------ stop

# A graceful stop ends the streams.
$s->signal('WINCH');
my $eof = wait_until(sub { !sse_read($st[1]{sock}, \$st[1]{buf}, 0.05) }, 5);
ok($eof, 'graceful stop closes the streams');
ok(wait_until(sub { !$s->alive }, 10), 'and the server exits');
my @al = grep { m{"GET /\.hearth/live HTTP} } $s->access_lines;
ok(@al >= 1, 'streams are in the access log when they end');

# ------------------------------------------------------------ --serve

my $port = free_port();
my $sdir = "$root/serve";
make_path($sdir);
chmod 0755, $sdir;
spew("$sdir/index.html", "<html><body>served</body></html>\n");
chmod 0644, "$sdir/index.html";
my $out = "$root/serve.out";
my $pid = fork // die;
if ($pid == 0) {
	open STDOUT, '>', $out;
	open STDERR, '>', "$root/serve.err";
	exec $Hearth::HEARTHD, '--serve', $sdir, '--port', $port, '--live';
	exit 127;
}
ok(wait_until(sub { (slurp($out) // '') =~ /^Serving / }, 10),
    '--serve prints a line');
is((split /\n/, slurp($out))[0],
    "Serving $sdir at http://127.0.0.1:$port/ (live reload on)",
    '--serve prints the URL');
my $srv = bless { port => $port }, 'Hearth';
my ($ss, $hs, $bs);
wait_until(sub { ($ss, $hs, $bs) = get($srv, '/'); $ss }, 5);
is($ss, 200, '--serve: serves the directory');
like($bs, qr/served\Q$SNIP\E<\/body>/, '--serve: live reload on');
ok(wait_until(sub { (slurp($out) // '') =~ m{"GET / HTTP/1\.1" 200} }, 5),
    '--serve: access log on stdout');
my $taken = `$Hearth::HEARTHD --serve $sdir --port $port 2>&1`;
is($? >> 8, 1, '--serve on a taken port: exit 1');
like($taken, qr/127\.0\.0\.1:$port: Address already in use.*--port/,
    '--serve on a taken port: a clear error');
kill 'TERM', $pid;
ok(wait_until(sub { waitpid($pid, WNOHANG) == $pid }, 10),
    '--serve stops on TERM');
my $bad = `$Hearth::HEARTHD --port 9 2>&1`;
like($bad, qr/go with --serve/, '--port without --serve is refused');

done_testing;
