# Conditional requests (issue 4, RFC 9110 sections 8.8 and 13): strong
# ETags, If-None-Match, If-Modified-Since, If-Match, If-Unmodified-Since,
# their precedence (section 13.2.2) and the 304 response (15.4.5).
use strict;
use warnings;
use Test::More;
use Hearth qw(parse_response);

my $DOC = "conditional content\n" x 10;
my $MTIME = 1577836800;				# 2020-01-01 00:00:00 UTC
my $LM = 'Wed, 01 Jan 2020 00:00:00 GMT';
my $EARLIER = 'Tue, 31 Dec 2019 23:59:59 GMT';
my $LATER = 'Thu, 02 Jan 2020 00:00:00 GMT';
my $FUTURE = 'Fri, 01 Jan 2100 00:00:00 GMT';	# after our clock: invalid

my $h = Hearth->start(workers => 2, files => { 'htdocs/doc.txt' => $DOC });
my $file = $h->root . '/htdocs/doc.txt';
utime($MTIME, $MTIME, $file) or die "utime: $!";

sub get { $h->get('/doc.txt', @_) }
sub with { get(headers => { @_ }) }

# --- validators on a 200
my ($st, $hd, $body) = get();
is($st, 200, '200 for the plain GET');
my $etag = $hd->{etag};
like($etag // '', qr/^"[\x21\x23-\x7e]+"$/, 'a strong ETag (quoted, no W/)');
$etag //= '"no-etag"';
is($hd->{'last-modified'}, $LM, 'Last-Modified is the file time');
my (undef, $hd2) = get();
is($hd2->{etag}, $hd->{etag}, 'the ETag is stable across requests');
(undef, $hd2) = get(method => 'HEAD');
is($hd2->{etag}, $hd->{etag}, 'HEAD has the same ETag');

(my $weak = $etag) =~ s/^/W\//;

# A 304: no body, and the fields a 200 would carry (section 15.4.5).
sub is_304 {
	my ($name, @hdrs) = @_;
	my ($s, $h3, $b) = with(@hdrs);
	is($s, 304, "$name: 304");
	is($b, '', "$name: no body");
	is($h3->{etag}, $etag, "$name: ETag");
	is($h3->{'last-modified'}, $LM, "$name: Last-Modified");
	like($h3->{date} // '', qr/ GMT$/, "$name: Date");
}

sub is_200 {
	my ($name, @hdrs) = @_;
	my ($s, undef, $b) = with(@hdrs);
	is($s, 200, "$name: 200");
	is($b, $DOC, "$name: the whole body");
}

sub is_412 {
	my ($name, @hdrs) = @_;
	my ($s, undef, $b) = with(@hdrs);
	is($s, 412, "$name: 412");
	isnt($b, $DOC, "$name: not the representation");
}

# --- If-None-Match (section 13.1.2): weak comparison
is_304('If-None-Match exact', 'If-None-Match' => $etag);
is_304('If-None-Match list', 'If-None-Match' => "\"x\", $etag, \"y\"");
is_304('If-None-Match list without spaces', 'If-None-Match' => "\"x\",$etag");
is_304('If-None-Match *', 'If-None-Match' => '*');
is_304('If-None-Match W/ (weak comparison)', 'If-None-Match' => $weak);
is_200('If-None-Match other tag', 'If-None-Match' => '"nope"');
is_200('If-None-Match other tags', 'If-None-Match' => '"a", W/"b"');
{
	(my $unq = $etag) =~ s/"//g;
	is_200('If-None-Match unquoted tag', 'If-None-Match' => $unq);
}

# --- If-Modified-Since (section 13.1.3)
is_304('If-Modified-Since equal', 'If-Modified-Since' => $LM);
is_304('If-Modified-Since later', 'If-Modified-Since' => $LATER);
is_304('If-Modified-Since rfc850 date', 'If-Modified-Since' => 'Wednesday, 01-Jan-20 00:00:00 GMT');
is_304('If-Modified-Since asctime date', 'If-Modified-Since' => 'Wed Jan  1 00:00:00 2020');
is_200('If-Modified-Since earlier', 'If-Modified-Since' => $EARLIER);
is_200('If-Modified-Since invalid', 'If-Modified-Since' => 'not a date');
is_200('If-Modified-Since empty-ish', 'If-Modified-Since' => '0');
is_200('If-Modified-Since in the future of our clock', 'If-Modified-Since' => $FUTURE);

# --- If-None-Match takes precedence over If-Modified-Since
is_200('If-None-Match miss + If-Modified-Since later',
    'If-None-Match' => '"nope"', 'If-Modified-Since' => $LATER);
is_304('If-None-Match match + If-Modified-Since earlier',
    'If-None-Match' => $etag, 'If-Modified-Since' => $EARLIER);

# --- If-Match (section 13.1.1): strong comparison
is_412('If-Match mismatch', 'If-Match' => '"nope"');
is_200('If-Match *', 'If-Match' => '*');
is_200('If-Match exact', 'If-Match' => $etag);
is_200('If-Match in a list', 'If-Match' => "\"a\", $etag");
is_412('If-Match W/ (strong comparison fails)', 'If-Match' => $weak);

# --- If-Unmodified-Since (section 13.1.4)
is_412('If-Unmodified-Since earlier', 'If-Unmodified-Since' => $EARLIER);
is_200('If-Unmodified-Since equal', 'If-Unmodified-Since' => $LM);
is_200('If-Unmodified-Since later', 'If-Unmodified-Since' => $LATER);
is_200('If-Unmodified-Since invalid is ignored', 'If-Unmodified-Since' => 'garbage');
is_200('If-Match match wins over If-Unmodified-Since earlier',
    'If-Match' => $etag, 'If-Unmodified-Since' => $EARLIER);
is_412('If-Match checked before If-None-Match',
    'If-Match' => '"nope"', 'If-None-Match' => $etag);

# --- HEAD
{
	my ($s, $h3, $b) = get(method => 'HEAD',
	    headers => { 'If-None-Match' => $etag });
	is($s, 304, 'HEAD conditional: 304');
	is($b, '', 'HEAD conditional: no body');
	is($h3->{etag}, $etag, 'HEAD conditional: ETag');
	($s) = get(method => 'HEAD', headers => { 'If-Modified-Since' => $LM });
	is($s, 304, 'HEAD If-Modified-Since: 304');
	($s) = get(method => 'HEAD', headers => { 'If-Match' => '"nope"' });
	is($s, 412, 'HEAD If-Match mismatch: 412');
}

# --- preconditions apply to 2xx only (section 13.2.1)
{
	my ($s) = $h->get('/missing.txt', headers => { 'If-None-Match' => '*' });
	is($s, 404, 'If-None-Match * on a missing file: 404');
	($s) = $h->get('/missing.txt', headers => { 'If-Match' => '"x"' });
	is($s, 404, 'If-Match on a missing file: 404');
}

# --- a 304 on a keep-alive connection carries no body: the next
# pipelined response follows its head directly
{
	my $raw = $h->request("GET /doc.txt HTTP/1.1\r\nHost: x\r\n" .
	    "If-None-Match: $etag\r\n\r\n" .
	    "GET /doc.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	my $i = index($raw, "\r\n\r\n");
	like($raw, qr/^HTTP\/1\.1 304 /, 'pipelined: 304 first');
	my ($s, undef, $b) = parse_response(substr($raw, $i + 4));
	is($s, 200, 'pipelined: the 200 starts right after the 304 head');
	is($b, $DOC, 'pipelined: with its body');
}

# --- a changed file gets a new ETag; the old one no longer matches
{
	Hearth::spew($file, $DOC . "more\n");
	utime($MTIME + 60, $MTIME + 60, $file) or die "utime: $!";
	my ($s, $h3, $b) = with('If-None-Match' => $etag);
	is($s, 200, 'changed file, old ETag: 200');
	is($b, "$DOC" . "more\n", 'changed file: the new body');
	ok(defined $h3->{etag} && $h3->{etag} ne $etag, 'changed file: a new ETag');
	($s) = with('If-Match' => $etag);
	is($s, 412, 'changed file, If-Match old ETag: 412');
}

is($h->stop, 0, 'clean exit on TERM');
done_testing;
