# Range requests (issue 4, RFC 9110 section 14): single ranges, suffix
# and open ranges, clamping, 416, multipart/byteranges, no amplification
# from many or overlapping ranges, If-Range, HEAD.
use strict;
use warnings;
use Test::More;
use Hearth qw(parse_response);

my $DATA = join '', map { sprintf "%04d\n", $_ } 0 .. 199;	# 1000 bytes
my $SIZE = length $DATA;
my $h = Hearth->start(workers => 2, files => {
	'htdocs/data.txt' => $DATA,
	'htdocs/empty.txt' => '',
});
my $MTIME = 1577836800;
utime($MTIME, $MTIME, $h->root . '/htdocs/data.txt') or die "utime: $!";
my $LM = 'Wed, 01 Jan 2020 00:00:00 GMT';

sub range { $h->get($_[0] // '/data.txt', headers => { Range => $_[1], @_[2 .. $#_] }) }

# A single 206 part: status, Content-Range, Content-Length, exact bytes.
sub part_ok {
	my ($spec, $first, $last) = @_;
	my ($st, $hd, $body) = range('/data.txt', $spec);
	is($st, 206, "$spec: 206");
	is($hd->{'content-range'}, "bytes $first-$last/$SIZE", "$spec: Content-Range");
	is($hd->{'content-length'}, $last - $first + 1, "$spec: Content-Length");
	is($body, substr($DATA, $first, $last - $first + 1), "$spec: the bytes");
	like($hd->{'content-type'} // '', qr{^text/plain}, "$spec: the file's type");
}

sub full_ok {
	my ($name, $st, $hd, $body) = @_;
	is($st, 200, "$name: 200");
	is($body, $DATA, "$name: the whole file");
	ok(!defined $hd->{'content-range'}, "$name: no Content-Range");
}

# Parts of a multipart/byteranges body (section 14.6), or undef.
sub multipart {
	my ($body, $b) = @_;
	my ($pos, @parts) = (0);
	return undef unless substr($body, 0, 2) eq "--" ||
	    substr($body, 0, 4) eq "\r\n--";
	for (;;) {
		my $i = index($body, "--$b", $pos);
		return undef if $i < 0;
		$pos = $i + length("--$b");
		if (substr($body, $pos, 2) eq '--') {
			return [@parts];
		}
		return undef unless substr($body, $pos, 2) eq "\r\n";
		my $he = index($body, "\r\n\r\n", $pos);
		return undef if $he < 0;
		my %ph = map { /^([^:]+):\s*(.*)$/ ? (lc $1, $2) : () }
		    split /\r\n/, substr($body, $pos + 2, $he - $pos - 2);
		my ($f, $l, $sz) = ($ph{'content-range'} // '') =~
		    m{^bytes (\d+)-(\d+)/(\d+)$} or return undef;
		push @parts, { first => $f, last => $l, size => $sz,
		    type => $ph{'content-type'},
		    data => substr($body, $he + 4, $l - $f + 1) };
		$pos = $he + 4 + $l - $f + 1;
		return undef unless substr($body, $pos, 2) eq "\r\n";
	}
}

# --- advertising
{
	my ($st, $hd, $body) = $h->get('/data.txt');
	is($st, 200, 'plain GET: 200');
	is($hd->{'accept-ranges'}, 'bytes', 'Accept-Ranges: bytes');
}

# --- single ranges
part_ok('bytes=0-4', 0, 4);
part_ok('bytes=-5', $SIZE - 5, $SIZE - 1);
part_ok('bytes=5-', 5, $SIZE - 1);
part_ok('bytes=0-0', 0, 0);
part_ok('bytes=990-2000', 990, $SIZE - 1);		# clamped
part_ok('bytes=999-999', 999, 999);
part_ok('bytes=123-456', 123, 456);
part_ok('BYTES=0-4', 0, 4);				# unit is case-insensitive
part_ok('bytes=1000-2000,0-4', 0, 4);			# unsatisfiable spec dropped
{
	my ($st, $hd, $body) = range('/data.txt', 'bytes=-2000');
	ok($st == 200 || ($st == 206 && $hd->{'content-range'} eq "bytes 0-999/$SIZE"),
	    'bytes=-2000 (suffix over the size): the whole file');
	is($body, $DATA, 'bytes=-2000: every byte');
}

# --- unsatisfiable (section 15.5.17)
for my $spec ("bytes=$SIZE-", 'bytes=5000-6000', 'bytes=-0', "bytes=$SIZE-,2000-") {
	my ($st, $hd, $body) = range('/data.txt', $spec);
	is($st, 416, "$spec: 416");
	is($hd->{'content-range'}, "bytes */$SIZE", "$spec: Content-Range bytes */SIZE");
	unlike($body, qr/0000\n0001/, "$spec: not the file");
}
{
	my ($st, $hd) = range('/empty.txt', 'bytes=0-0');
	is($st, 416, 'empty file, bytes=0-0: 416');
	is($hd->{'content-range'}, 'bytes */0', 'empty file: bytes */0');
}

# --- ignored: other units and bad syntax give the whole 200
full_ok('items=0-1', range('/data.txt', 'items=0-1'));
full_ok('bytes=5-1 (last before first)', range('/data.txt', 'bytes=5-1'));
full_ok('bytes=abc', range('/data.txt', 'bytes=abc'));
full_ok('bytes=', range('/data.txt', 'bytes='));
full_ok('bytes=0-4;x', range('/data.txt', 'bytes=0-4;x'));

# --- multiple ranges: multipart/byteranges
{
	my @want = ([0, 9], [100, 109], [500, 509]);
	my ($st, $hd, $body) = range('/data.txt', 'bytes=0-9,100-109,500-509');
	is($st, 206, 'three ranges: 206');
	my ($b) = ($hd->{'content-type'} // '') =~
	    m{^multipart/byteranges;\s*boundary="?([^";]+)"?};
	ok(defined $b, 'three ranges: multipart/byteranges with a boundary');
	$b //= 'none';
	is($hd->{'content-length'}, length $body, 'three ranges: Content-Length is the body length');
	ok(!defined $hd->{'content-range'}, 'three ranges: no top-level Content-Range');
	my $parts = multipart($body, $b);
	ok($parts, 'three ranges: the body parses as multipart');
	$parts //= [];
	is(scalar @$parts, 3, 'three ranges: three parts');
	for my $i (0 .. 2) {
		my ($f, $l) = @{ $want[$i] };
		my $p = $parts->[$i] // {};
		is(($p->{first} // '') . '-' . ($p->{last} // ''), "$f-$l",
		    "part $i: Content-Range $f-$l, in request order");
		is($p->{size}, $SIZE, "part $i: complete length");
		is($p->{data}, substr($DATA, $f, $l - $f + 1), "part $i: the bytes");
		like($p->{type} // '', qr{^text/plain}, "part $i: Content-Type");
	}
	ok(index(substr($DATA, 0, 10), $b) < 0, 'boundary not in the data');

	# out of order: parts follow the request (section 15.3.7.2)
	($st, $hd, $body) = range('/data.txt', 'bytes=500-509,0-9');
	($b) = ($hd->{'content-type'} // '') =~ m{boundary="?([^";]+)"?};
	$parts = multipart($body, $b // 'none') // [];
	is(join(',', map { "$_->{first}-$_->{last}" } @$parts), '500-509,0-9',
	    'two ranges out of order: parts in request order');
}

# --- a range-set is a list: OWS around the commas is allowed
{
	my ($st, $hd, $body) = range('/data.txt', 'bytes=0-4 , 500-504');
	is($st, 206, 'range-set with spaces: 206');
	my ($b) = ($hd->{'content-type'} // '') =~ m{boundary="?([^";]+)"?};
	my $parts = multipart($body, $b // 'none') // [];
	is(join('|', map { $_->{data} } @$parts),
	    substr($DATA, 0, 5) . '|' . substr($DATA, 500, 5),
	    'range-set with spaces: both parts');
}

# --- adjacent or overlapping ranges: one coalesced part, or correct parts
{
	my ($st, $hd, $body) = range('/data.txt', 'bytes=0-4,5-9');
	is($st, 206, 'adjacent ranges: 206');
	my $got;
	if (($hd->{'content-type'} // '') =~ m{boundary="?([^";]+)"?}) {
		$got = join '', map { $_->{data} } @{ multipart($body, $1) // [] };
	} else {
		$got = $body;
		is($hd->{'content-range'}, "bytes 0-9/$SIZE", 'adjacent ranges: coalesced 0-9');
	}
	is($got, substr($DATA, 0, 10), 'adjacent ranges: bytes 0-9');
}

# --- no amplification (section 15.3.7.2, CVE-2011-3192)
{
	my $spec = 'bytes=' . join(',', ('0-10') x 200);
	my ($st, $hd, $body) = range('/data.txt', $spec);
	ok($st == 200 || ($st == 206 && ($hd->{'content-range'} // '') eq
	    "bytes 0-10/$SIZE"), '200 x 0-10: the whole 200 or one coalesced part')
	    or diag("got $st, Content-Type " . ($hd->{'content-type'} // ''));
	ok(length $body <= $SIZE + 200, '200 x 0-10: no amplification (' .
	    length($body) . ' bytes)');

	$spec = 'bytes=' . join(',', map { "0-$_" } 1 .. 300);
	($st, $hd, $body) = range('/data.txt', $spec);
	ok(length $body <= $SIZE + 200, '300 growing overlaps: no amplification (' .
	    length($body) . ' bytes)');

	$spec = 'bytes=' . join(',', map { $_ * 3 . '-' . $_ * 3 } 0 .. 300);
	($st, $hd, $body) = range('/data.txt', $spec);
	ok(length $body <= $SIZE + 200, '301 one-byte ranges: no amplification (' .
	    length($body) . ' bytes)');
	ok($st == 200 || $st == 206, '301 one-byte ranges: 200 or 206');

	$spec = 'bytes=' . join(',', ('-1000') x 50);
	($st, $hd, $body) = range('/data.txt', $spec);
	ok(length $body <= $SIZE + 200, '50 whole-file suffixes: no amplification (' .
	    length($body) . ' bytes)');
}

# --- If-Range (section 13.1.5)
{
	my (undef, $hd) = $h->get('/data.txt');
	my $etag = $hd->{etag} // '"no-etag"';
	my ($st, $h2, $body) = range('/data.txt', 'bytes=0-4', 'If-Range' => $etag);
	is($st, 206, 'If-Range current ETag: 206');
	is($body, substr($DATA, 0, 5), 'If-Range current ETag: the range');
	full_ok('If-Range old ETag', range('/data.txt', 'bytes=0-4', 'If-Range' => '"old-tag"'));
	($st, $h2, $body) = range('/data.txt', 'bytes=0-4', 'If-Range' => $LM);
	is($st, 206, 'If-Range Last-Modified date: 206');
	is($body, substr($DATA, 0, 5), 'If-Range date: the range');
	full_ok('If-Range other date', range('/data.txt', 'bytes=0-4',
	    'If-Range' => 'Thu, 02 Jan 2020 00:00:00 GMT'));
	full_ok('If-Range weak ETag', range('/data.txt', 'bytes=0-4',
	    'If-Range' => "W/$etag"));
	full_ok('If-Range garbage', range('/data.txt', 'bytes=0-4',
	    'If-Range' => 'garbage'));

	# preconditions come before Range (section 13.2.2)
	($st, $h2, $body) = range('/data.txt', 'bytes=0-4', 'If-None-Match' => $etag);
	is($st, 304, 'Range + If-None-Match match: 304');
	($st) = range('/data.txt', 'bytes=0-4', 'If-Match' => '"nope"');
	is($st, 412, 'Range + If-Match mismatch: 412');
}

# --- HEAD
{
	my ($st, $hd, $body) = $h->get('/data.txt', method => 'HEAD',
	    headers => { Range => 'bytes=0-4' });
	ok($st == 206 || $st == 200, 'HEAD with Range: 206 (or 200)');
	is($body, '', 'HEAD with Range: no body');
	is($hd->{'content-range'}, "bytes 0-4/$SIZE", 'HEAD with Range: Content-Range')
	    if $st == 206;
}

# --- framing on a keep-alive connection: a multipart 206, then a 200
{
	my $raw = $h->request("GET /data.txt HTTP/1.1\r\nHost: x\r\n" .
	    "Range: bytes=0-9,100-109\r\n\r\n" .
	    "GET /data.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=0-4\r\n\r\n" .
	    "GET /data.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	my @st;
	while (length $raw) {
		my $i = index($raw, "\r\n\r\n");
		last if $i < 0;
		my ($s, $hd) = parse_response(substr($raw, 0, $i + 4));
		push @st, $s;
		my $end = $i + 4 + ($hd->{'content-length'} // 0);
		$raw = $end < length $raw ? substr($raw, $end) : '';
	}
	is(join(',', @st), '206,206,200', 'pipelined 206 multipart, 206, 200: framed');
	is($raw, '', 'pipelined: nothing left over');
}

# --- Range on what is not a 200
{
	my ($st) = range('/missing.txt', 'bytes=0-4');
	is($st, 404, 'Range on a missing file: 404');
}

is($h->stop, 0, 'clean exit on TERM');
done_testing;
