#!/usr/bin/perl
# upload.cgi: save the files of a multipart/form-data POST (RFC 7578)
# to disk as they stream in, never holding a whole file in memory, and
# report each one's size and SHA-256.  Perl core only.
#
# Files go to $UPLOAD_DIR: the "uploads" directory next to the cgi-bin
# directory (server_root/uploads), created when missing, or else
# $FALLBACK_DIR when that cannot be written.  Edit the lines below to
# put them elsewhere.
use strict;
use warnings;
use Digest::SHA;
use File::Basename qw(dirname);
use Cwd qw(abs_path);

my $UPLOAD_DIR = dirname(abs_path($ENV{SCRIPT_FILENAME} // $0)) .
    '/../uploads';
my $FALLBACK_DIR = '/tmp/hearth-uploads';
my $READ = 65536;

sub html {
	my ($s) = @_;
	$s =~ s/&/&amp;/g;
	$s =~ s/</&lt;/g;
	$s =~ s/>/&gt;/g;
	$s =~ s/"/&quot;/g;
	return $s;
}

sub fail {
	my ($status, $msg) = @_;
	print "Status: $status\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n$msg\n";
	exit 0;
}

my $type = $ENV{CONTENT_TYPE} // '';
fail('415 Unsupported Media Type', 'upload.cgi takes multipart/form-data')
    unless $type =~ m{^multipart/form-data}i;
my ($b1, $b2) = $type =~ /boundary=(?:"([^"]+)"|([^;\s]+))/i;
my $boundary = $b1 // $b2 // fail('400 Bad Request', 'no boundary');
fail('405 Method Not Allowed', 'POST a form here')
    unless ($ENV{REQUEST_METHOD} // '') eq 'POST';
mkdir $UPLOAD_DIR unless -d $UPLOAD_DIR;
unless (-d $UPLOAD_DIR && -w _) {
	$UPLOAD_DIR = $FALLBACK_DIR;
	mkdir $UPLOAD_DIR, 0700 unless -d $UPLOAD_DIR;
	fail('500 Internal Server Error', 'no upload directory to write to')
	    unless -d $UPLOAD_DIR && -w _;
}
$UPLOAD_DIR = abs_path($UPLOAD_DIR);

binmode STDIN;
# The body starts with "--boundary"; a CRLF in front makes every
# delimiter "\r\n--boundary" (RFC 2046 section 5.1.1).
my $buf = "\r\n";
my $delim = "\r\n--$boundary";
my $eof = 0;
my (@files, @fields, $part);

sub more {
	return 0 if $eof;
	my $n = sysread(STDIN, $buf, $READ, length $buf);
	$eof = 1 unless $n;
	return $n;
}

sub safe_name {
	my ($n) = @_;
	$n =~ s{.*[/\\]}{};
	$n =~ s/[^A-Za-z0-9._-]/_/g;
	$n =~ s/^\.+//;
	return length $n ? substr($n, 0, 100) : 'upload';
}

sub open_part {
	my ($headers) = @_;
	my ($disp) = $headers =~ /^Content-Disposition:\s*(.*?)\r?$/mi;
	$disp //= '';
	my ($name) = $disp =~ /\bname="([^"]*)"/i;
	my ($fname) = $disp =~ /\bfilename="([^"]*)"/i;
	my $p = { name => $name // '', size => 0 };
	if (defined $fname && length $fname) {
		$p->{filename} = $fname;
		$p->{path} = sprintf '%s/%d-%d-%s', $UPLOAD_DIR, time, $$,
		    safe_name($fname);
		open($p->{fh}, '>:raw', $p->{path}) or fail(
		    '500 Internal Server Error', 'cannot save the file');
		$p->{sha} = Digest::SHA->new(256);
	} else {
		$p->{value} = '';
	}
	return $p;
}

sub emit {
	my ($p, $data) = @_;
	return unless length $data;
	$p->{size} += length $data;
	if ($p->{fh}) {
		print { $p->{fh} } $data or fail('500 Internal Server Error',
		    'write failed');
		$p->{sha}->add($data);
	} elsif (length($p->{value}) < 65536) {
		$p->{value} .= $data;
	}
}

sub close_part {
	my ($p) = @_;
	if ($p->{fh}) {
		close $p->{fh} or fail('500 Internal Server Error',
		    'write failed');
		$p->{sha256} = $p->{sha}->hexdigest;
		push @files, $p;
	} else {
		push @fields, $p;
	}
}

# preamble: up to the first delimiter
my $state = 'preamble';
while (1) {
	if ($state eq 'preamble' || $state eq 'body') {
		my $i = index($buf, $delim);
		if ($i < 0) {
			# keep a tail that may be the start of a delimiter
			my $keep = length($delim) - 1;
			if (length($buf) > $keep) {
				my $out = substr($buf, 0, length($buf) - $keep, '');
				emit($part, $out) if $state eq 'body';
			}
			more() or last;
			next;
		}
		emit($part, substr($buf, 0, $i)) if $state eq 'body';
		close_part($part) if $state eq 'body';
		substr($buf, 0, $i + length $delim, '');
		$state = 'after';
	}
	if ($state eq 'after') {
		more() while length($buf) < 2 && !$eof;
		last if substr($buf, 0, 2) eq '--';	# the close delimiter
		my $nl = index($buf, "\r\n");
		if ($nl < 0) {
			more() or last;
			next;
		}
		substr($buf, 0, $nl + 2, '');
		$state = 'headers';
	}
	if ($state eq 'headers') {
		my $end = index($buf, "\r\n\r\n");
		if ($end < 0) {
			fail('400 Bad Request', 'part headers too long')
			    if length($buf) > 16384;
			more() or last;
			next;
		}
		$part = open_part(substr($buf, 0, $end));
		substr($buf, 0, $end + 4, '');
		$state = 'body';
	}
}
fail('400 Bad Request', 'truncated multipart body')
    unless $state eq 'after';

print "Content-Type: text/html; charset=utf-8\r\nCache-Control: no-store\r\n\r\n";
print <<'HEAD';
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>hearth: upload received</title>
<link rel="stylesheet" href="/style.css">
</head>
<body>
<main>
<h1>Upload received</h1>
<table id="files">
<tr><th>Field</th><th>File</th><th>Saved as</th><th>Bytes</th><th>SHA-256</th></tr>
HEAD
for my $f (@files) {
	printf "<tr><td>%s</td><td class=\"filename\">%s</td><td class=\"path\">%s</td>" .
	    "<td class=\"size\">%d</td><td class=\"sha256\">%s</td></tr>\n",
	    html($f->{name}), html($f->{filename}), html($f->{path}),
	    $f->{size}, $f->{sha256};
}
print "</table>\n<table id=\"fields\">\n";
for my $f (@fields) {
	printf "<tr><td class=\"name\">%s</td><td class=\"value\">%s</td></tr>\n",
	    html($f->{name}), html($f->{value});
}
print "</table>\n<p><a href=\"/form.html\">Back to the form</a></p>\n",
    "</main>\n</body>\n</html>\n";
