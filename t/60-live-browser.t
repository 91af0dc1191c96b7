#!/usr/bin/perl
# Live reload in a real browser (issue 10): Debian's headless Chromium,
# driven by playwright-core from npm.  An open page reloads after its
# file changes, also without </body>; a stylesheet change applies
# without a reload.  Measures the time from a file write to the new
# page on screen (median of 10).
#
# Needs chromium, node and npm (./quickstart deps installs them), and
# the npm registry once: playwright-core is kept in
# $HEARTH_BUILDDIR/t/.playwright (or $HEARTH_PLAYWRIGHT_DIR).
use strict;
use warnings;
use File::Temp qw(tempdir);
use Test::More;
use Hearth qw(spew slurp);

my $chromium = $ENV{CHROMIUM} // '/usr/bin/chromium';
plan skip_all => "no Chromium at $chromium (apt-get install chromium)"
    unless -x $chromium;
for my $tool (qw(node npm)) {
	plan skip_all => "no $tool in PATH (apt-get install nodejs npm)"
	    unless grep { -x "$_/$tool" } split /:/, $ENV{PATH} // '';
}
my $build = $ENV{HEARTH_BUILDDIR} // '.';
my $pwdir = $ENV{HEARTH_PLAYWRIGHT_DIR} // "$build/t/.playwright";
unless (-d "$pwdir/node_modules/playwright-core") {
	mkdir $pwdir;
	my $log = `npm install --prefix '$pwdir' --no-audit --no-fund --silent playwright-core 2>&1`;
	plan skip_all => "npm install playwright-core failed: " .
	    (split /\n/, $log)[-1] // '' if $?;
}

my %files = (
	'htdocs/page.html' => page('v0'),
	'htdocs/nobody.html' => "<html><head><title>n</title></head>\n" .
	    "<p id=\"v\">n0</p>\n",
	'htdocs/css.html' => "<html><head><link rel=\"stylesheet\" " .
	    "href=\"/s.css\"></head><body><p id=\"p\">styled</p></body></html>\n",
	'htdocs/s.css' => "#p { color: rgb(255, 0, 0); }\n",
);
my $s = Hearth->start(files => \%files, conf =>
    "live_reload = { enabled = true; };\n");
my $htdocs = $s->root . "/htdocs";

sub page { "<html><head><title>p</title></head>\n<body><p id=\"v\">$_[0]</p>" .
    "</body></html>\n" }

my $profile = tempdir('hearth-chromium-XXXXXX', TMPDIR => 1, CLEANUP => 1);
my $js = $s->root . "/browser.js";
spew($js, <<'EOF');
'use strict';
const fs = require('fs');
const path = require('path');
const [pwdir, chromium, profile, base, htdocs, trials] = process.argv.slice(2);
const { chromium: pw } = require(path.join(pwdir, 'node_modules',
    'playwright-core'));
const out = {};

function page(v) {
	return '<html><head><title>p</title></head>\n<body><p id="v">' + v +
	    '</p></body></html>\n';
}

/* Open url; resolve once its EventSource has its response. */
async function open(p, url) {
	const sse = p.waitForResponse(r => r.url().endsWith('/.hearth/live'));
	await p.goto(url);
	await sse;
	await p.evaluate(() => { window.hearthMarker = 1; });
}

async function reloadTrial(p, file, text, write) {
	await open(p, base + '/' + file);
	const t0 = Date.now();
	write();
	await p.waitForFunction(t => {
		const e = document.getElementById('v');
		return e && e.textContent === t && !window.hearthMarker;
	}, text, { polling: 5, timeout: 5000 });
	return Date.now() - t0;
}

(async () => {
	const ctx = await pw.launchPersistentContext(profile, {
		executablePath: chromium,
		headless: true,
		args: ['--headless', '--no-sandbox', '--disable-gpu',
		    '--disable-quic', '--no-first-run',
		    '--disable-background-networking',
		    '--disable-component-update', '--disable-sync'],
	});
	const p = ctx.pages()[0] || await ctx.newPage();
	try {
		out.times = [];
		for (let i = 1; i <= Number(trials); i++)
			out.times.push(await reloadTrial(p, 'page.html', 'v' + i,
			    () => fs.writeFileSync(path.join(htdocs, 'page.html'),
			    page('v' + i))));
		out.reload = true;
		out.nobody = await reloadTrial(p, 'nobody.html', 'n1',
		    () => fs.writeFileSync(path.join(htdocs, 'nobody.html'),
		    '<html><head><title>n</title></head>\n<p id="v">n1</p>\n'));
		await open(p, base + '/css.html');
		const color = () => p.evaluate(() => getComputedStyle(
		    document.getElementById('p')).color);
		out.css_before = await color();
		const t0 = Date.now();
		fs.writeFileSync(path.join(htdocs, 's.css'),
		    '#p { color: rgb(0, 0, 255); }\n');
		await p.waitForFunction(() => getComputedStyle(
		    document.getElementById('p')).color === 'rgb(0, 0, 255)',
		    null, { polling: 5, timeout: 5000 });
		out.css_ms = Date.now() - t0;
		out.css_after = await color();
		out.css_marker = await p.evaluate(() => window.hearthMarker);
	} catch (e) {
		out.error = String(e && e.stack || e);
	}
	await ctx.close();
	process.stdout.write(JSON.stringify(out) + '\n');
})();
EOF

my $base = 'http://127.0.0.1:' . $s->port;
my $res = `node '$js' '$pwdir' '$chromium' '$profile' '$base' '$htdocs' 10 2>&1`;
my ($json) = $res =~ /^(\{.*\})\s*$/m;
ok(defined $json, 'the browser script ran') or diag $res;
my %r = defined $json ? %{ decode($json) } : ();
diag("browser: $r{error}") if $r{error};

ok($r{reload}, 'an open page reloads after its file changes (10 times)');
my @t = sort { $a <=> $b } @{ $r{times} // [] };
if (@t) {
	my $median = @t % 2 ? $t[$#t / 2] : ($t[@t / 2 - 1] + $t[@t / 2]) / 2;
	diag("write -> reloaded page: median $median ms over " .
	    scalar(@t) . " trials (min $t[0], max $t[-1])");
	# the target is 300 ms; a loaded CI machine gets some slack
	# unless HEARTH_STRICT_TIMING asks for the target itself
	my $limit = $ENV{HEARTH_STRICT_TIMING} ? 300 : 1000;
	cmp_ok($median, '<', $limit,
	    "median write-to-reload under $limit ms (target 300)");
}
ok(defined $r{nobody}, 'a page without </body> reloads too');
is($r{css_before}, 'rgb(255, 0, 0)', 'CSS: the old colour first');
is($r{css_after}, 'rgb(0, 0, 255)', 'CSS: the new colour applies');
is($r{css_marker}, 1, 'CSS: without a reload (the window marker stays)');
diag("write -> new CSS applied: $r{css_ms} ms") if defined $r{css_ms};

$s->stop;
done_testing;

# JSON::PP is core Perl; only objects of numbers, strings and arrays.
sub decode {
	require JSON::PP;
	return JSON::PP->new->decode($_[0]);
}
