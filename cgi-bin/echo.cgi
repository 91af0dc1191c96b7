#!/usr/bin/perl
# echo.cgi: decode a urlencoded form (GET query or POST body) and show
# its fields as an HTML page, every value HTML-escaped.  Perl core only.
use strict;
use warnings;

my $MAX = 1 << 20;	# a form, not an upload

sub unescape {
	my ($s) = @_;
	$s =~ tr/+/ /;
	$s =~ s/%([0-9A-Fa-f]{2})/chr(hex($1))/ge;
	return $s;
}

sub html {
	my ($s) = @_;
	$s =~ s/&/&amp;/g;
	$s =~ s/</&lt;/g;
	$s =~ s/>/&gt;/g;
	$s =~ s/"/&quot;/g;
	$s =~ s/'/&#39;/g;
	return $s;
}

my $method = $ENV{REQUEST_METHOD} // 'GET';
my $data = $ENV{QUERY_STRING} // '';
if ($method eq 'POST') {
	my $type = $ENV{CONTENT_TYPE} // '';
	if ($type !~ m{^application/x-www-form-urlencoded}i) {
		print "Status: 415 Unsupported Media Type\r\n",
		    "Content-Type: text/plain; charset=utf-8\r\n\r\n",
		    "echo.cgi takes application/x-www-form-urlencoded\n";
		exit 0;
	}
	binmode STDIN;
	$data = '';
	while (length($data) <= $MAX && read(STDIN, my $buf, 65536)) {
		$data .= $buf;
	}
	if (length($data) > $MAX) {
		print "Status: 413 Payload Too Large\r\n",
		    "Content-Type: text/plain; charset=utf-8\r\n\r\n",
		    "form too large\n";
		exit 0;
	}
}

my @fields;
for my $pair (split /[&;]/, $data) {
	next if $pair eq '';
	my ($k, $v) = split /=/, $pair, 2;
	push @fields, [ unescape($k), unescape($v // '') ];
}

binmode STDOUT;
print "Content-Type: text/html; charset=utf-8\r\n",
    "Cache-Control: no-store\r\n\r\n";
print <<'HEAD';
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>hearth: form received</title>
<link rel="stylesheet" href="/style.css">
</head>
<body>
<main>
<h1>Form received</h1>
HEAD
printf "<p>%s request with %d field%s.</p>\n", html($method),
    scalar(@fields), @fields == 1 ? '' : 's';
print "<table id=\"fields\">\n<tr><th>Name</th><th>Value</th></tr>\n";
for my $f (@fields) {
	printf "<tr><td class=\"name\">%s</td><td class=\"value\">%s</td></tr>\n",
	    html($f->[0]), html($f->[1]);
}
print "</table>\n<p><a href=\"/form.html\">Back to the form</a></p>\n",
    "</main>\n</body>\n</html>\n";
