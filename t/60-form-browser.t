# The shipped form (htdocs/form.html) in a real browser: headless
# Chromium from Debian, driven by playwright-core from npm.  It fills and
# submits the urlencoded form to cgi-bin/echo.cgi and checks the echoed
# page, then uploads a file through the multipart form.  Skipped, with
# the reason, when chromium, node or npm (or the package) is missing.
use strict;
use warnings;
use Test::More;
use Digest::SHA qw(sha256_hex);
use File::Temp qw(tempdir);
use JSON::PP;
use Hearth qw(slurp spew);

my $SRC = $ENV{HEARTH_SRCDIR} // '.';
my $chromium = $ENV{CHROMIUM} // '/usr/bin/chromium';
sub have { system("command -v $_[0] >/dev/null 2>&1") == 0 }

plan skip_all => "no $chromium (apt-get install chromium)" unless -x $chromium;
plan skip_all => 'no node or npm (apt-get install nodejs npm)'
    unless have('node') && have('npm');

# playwright-core in a temporary directory (or HEARTH_PLAYWRIGHT_DIR, a
# directory where it is already installed, to run offline).
my $mods = $ENV{HEARTH_PLAYWRIGHT_DIR};
unless ($mods && -d "$mods/node_modules/playwright-core") {
	$mods = tempdir('hearth-pw-XXXXXX', TMPDIR => 1, CLEANUP => 1);
	my $out = `cd '$mods' && npm install --no-audit --no-fund --silent playwright-core 2>&1`;
	plan skip_all => "npm install playwright-core failed: " .
	    (split /\n/, $out)[0] if $? || !-d "$mods/node_modules/playwright-core";
}

my $h = Hearth->start(workers => 1, no_spawn => 1, conf => <<'EOF2');
cgi = ( { url = "/cgi-bin/"; dir = "cgi-bin"; timeout = 30; } );
EOF2
my $root = $h->root;
for my $s (qw(echo.cgi upload.cgi)) {
	spew("$root/cgi-bin/$s", slurp("$SRC/cgi-bin/$s"));
	chmod 0755, "$root/cgi-bin/$s";
}
mkdir "$root/uploads";
chmod 0777, "$root/uploads";
$h->_spawn;

my $file = "$root/upload-me.bin";
my $data = join '', map { chr(($_ * 31) & 255) } 0 .. 300_000;
spew($file, $data);

my $js = "$SRC/t/lib/form-browser.js";
my $json = `cd '$mods' && NODE_PATH='$mods/node_modules' CHROMIUM='$chromium' timeout 120 node '$js' 'http://127.0.0.1:${\ $h->port}' '$file' 2>&1`;
my ($line) = grep { /^\{/ } split /\n/, $json;
my $r = eval { decode_json($line // '') } // { error => $json };
ok(!$r->{error}, 'the browser ran the forms') or diag($r->{error});

is($r->{formTitle}, 'hearth: forms', 'form.html loaded');
is($r->{echoTitle}, 'hearth: form received', 'the echo page came back');
like($r->{echoUrl} // '', qr{/cgi-bin/echo\.cgi$}, 'after a POST to echo.cgi');
my %f = map { @$_ } @{ $r->{fields} // [] };
is($f{name}, 'Ada <Lovelace> & "Co"', 'name decoded, shown as text');
is($f{email}, 'ada@example.org', 'email');
is($f{topic}, 'idea', 'select');
is($f{reply}, 'none', 'radio');
is($f{message}, "line one\nline two: 100% \x{fc}n\x{ef}c\x{f6}d\x{e9}",
    'textarea with a newline and UTF-8');
ok(!$r->{echoHasScriptTag}, 'markup in a value is escaped, not rendered');

is($r->{uploadTitle}, 'hearth: upload received', 'the upload page came back');
is($r->{uploadSize}, length $data, 'the upload size');
is($r->{uploadSha}, sha256_hex($data), 'and its SHA-256');

ok(grep({ m{"POST /cgi-bin/echo\.cgi HTTP/1\.1" 200 } } $h->wait_access_lines(4)),
    'the POST is in the access log');

$h->stop;
done_testing;
