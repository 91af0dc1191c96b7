# {{placeholder}} templates: built-ins, config vars, escaping, query
# values, unknown names warned once with file and line, the cache
# rebuilt when the file changes, and error pages that are templates.
use strict;
use warnings;
use Test::More;
use Hearth qw(wait_until spew slurp);

my $h = Hearth->start(conf => <<'EOF2', files => {
templates = { patterns = [ "*.thtml" ]; vars = { site_name = "hearth <&> \"q\""; answer = 42; on = true; }; };
error_pages = ( { status = 404; path = "/404.thtml"; } );
EOF2
	'htdocs/a.thtml' => "site={{site_name}}\nraw={{{site_name}}}\n" .
	    "n={{answer}} b={{on}}\npath={{request.path}} m={{request.method}}\n" .
	    "ip={{client.ip}} v={{server_version}}\n{{! a comment }}" .
	    "q={{query.q}} none=[{{query.none}}]\nlit=\\{{x}}\n" .
	    "d={{date}} t={{time}} up={{uptime}}\nunknown=[{{nope}}][{{nope}}]\n",
	'htdocs/404.thtml' => "<p>missing: {{request.path}}</p>\n",
	'htdocs/plain.html' => "{{site_name}}\n",
	'htdocs/broken.thtml' => "line1\n{{unterminated\n",
});

my ($st, $hd, $body) = $h->get('/a.thtml?q=%3Cb%3E+x&z=1');
is($st, 200, 'template served');
like($hd->{'content-type'}, qr{^text/html; charset=utf-8$}, 'as HTML');
is($hd->{etag}, undef, 'no ETag on a generated page');
like($body, qr/^site=hearth &lt;&amp;&gt; &quot;q&quot;$/m, 'values are HTML-escaped');
like($body, qr/^raw=hearth <&> "q"$/m, '{{{raw}}} is not');
like($body, qr/^n=42 b=true$/m, 'numbers and booleans from vars');
like($body, qr{^path=/a\.thtml m=GET$}m, 'request.path and request.method');
like($body, qr{^ip=127\.0\.0\.1 v=hearth/}m, 'client.ip and server_version');
unlike($body, qr/comment/, '{{!comments}} are dropped');
like($body, qr/^q=&lt;b&gt; x none=\[\]$/m, 'query values decoded and escaped');
like($body, qr/^lit=\{\{x\}\}$/m, 'literal braces with a backslash');
like($body, qr/^d=\d{4}-\d{2}-\d{2} t=\d{2}:\d{2}:\d{2} up=\d+d /m, 'date, time, uptime');
like($body, qr/^unknown=\[\]\[\]$/m, 'unknown names render empty');
is($hd->{'content-length'}, length $body, 'Content-Length is the rendered length');

($st, $hd, $body) = $h->get('/a.thtml', method => 'HEAD');
is($st, 200, 'HEAD of a template');
is($body, '', 'HEAD has no body');
ok($hd->{'content-length'} > 0, 'HEAD carries the length');

# unknown names: one warning per (file, name), with file and line
$h->get('/a.thtml') for 1 .. 3;
ok($h->error_log_like(qr{a\.thtml:9: unknown template variable "nope"}),
    'unknown variable logged with file and line');
my @warn = grep { /unknown template variable/ } split /\n/, slurp($h->error_log);
is(scalar(grep { !/"nope"/ } @warn), 0, 'query.NAME is never unknown');
@warn = grep { /"nope"/ } @warn;
ok(@warn >= 1 && @warn <= 2, 'warned once per worker, not per request (' .
    scalar(@warn) . ' lines for 5 renders over 2 workers)');

# a file that is not a template is sent as it is
($st, $hd, $body) = $h->get('/plain.html');
is($body, "{{site_name}}\n", 'non-template files are not rendered');

# the cache notices a change
spew($h->root . '/htdocs/a.thtml', "changed {{answer}}\n");
ok(wait_until(sub { ($h->get('/a.thtml'))[2] eq "changed 42\n" }, 5),
    'template rebuilt after the file changed');

# an error page that is a template keeps its status
($st, $hd, $body) = $h->get('/no/such');
is($st, 404, 'template error page keeps 404');
is($body, "<p>missing: /no/such</p>\n", 'and is rendered');

# a template that does not compile: 500, logged with the reason
($st) = $h->get('/broken.thtml');
is($st, 500, 'broken template is 500');
ok($h->error_log_like(qr{broken\.thtml: line 2: unterminated \{\{}),
    'the compile error is logged with its line');

# XSS through the query never reaches the page unescaped
($st, $hd, $body) = $h->get('/a.thtml?q=%22%3E%3Cscript%3Ealert(1)%3C/script%3E');
unlike($body, qr/<script>/, 'no script injection through query values');

$h->stop;
done_testing;
