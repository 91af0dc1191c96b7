# The logs: hostile requests each make exactly one strict combined
# access-log line with Apache's escapes; error-log lines have Apache 2.4's
# shape and honour log_level.  Then, with wrk (and goaccess) installed,
# the access log under load: one line per request, every line valid,
# and a worker killed with -9 costs only its own connections.
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use POSIX qw(:sys_wait_h);
use Time::HiRes qw(time);
use Hearth qw(wait_until slurp parse_response);

# Apache's ap_escape_logitem(), written out again as the test's oracle.
sub esc {
	my ($s) = @_;
	my %c = ("\b" => '\b', "\n" => '\n', "\r" => '\r', "\t" => '\t',
	    "\x0b" => '\v', '"' => '\"', '\\' => '\\\\');
	$s =~ s{([\x00-\x1f\x7f-\xff"\\])}{
		$c{$1} // sprintf('\x%02x', ord $1)
	}ge;
	return $s;
}

# The request line as the server saw it: up to the first LF, less a CR.
sub first_line {
	my ($raw) = @_;
	my ($l) = $raw =~ /^([^\n]*)/;
	$l =~ s/\r$//;
	return $l;
}

my $ERROR_RE = qr{^\[\w{3} \w{3} \d{2} \d{2}:\d{2}:\d{2}\.\d{6} \d{4}\] \[core:(emerg|alert|crit|error|warn|notice|info|debug)\] \[pid \d+\]( \[client [^]]+\])? .+$};

# ---------------------------------------------------------- hostile input
my $h = Hearth->start(workers => 1,
    files => { 'htdocs/ok.txt' => "ok\n" });
my $n = 0;

# name, raw request, expected status (undef: any), fields to check
my $UA = "Mozilla/5.0 \"quoted\" \\back (caf\xc3\xa9)";
my @cases = (
	['quotes in the path', "GET /a\"b\"c HTTP/1.1\r\nHost: x\r\n" .
	    "Connection: close\r\n\r\n"],
	['backslashes in the path', "GET /a\\b\\\\c HTTP/1.1\r\nHost: x\r\n" .
	    "Connection: close\r\n\r\n"],
	['control bytes in the path', "GET /a\x01b\x7fc\x1b HTTP/1.1\r\n" .
	    "Host: x\r\nConnection: close\r\n\r\n"],
	['bytes >= 0x80 in the path', "GET /caf\xc3\xa9\xff HTTP/1.1\r\n" .
	    "Host: x\r\nConnection: close\r\n\r\n"],
	['%0d%0a in the path', "GET /x%0d%0aGET%20/forged%20HTTP/1.1 " .
	    "HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 404],
	['6000-byte request line', "GET /" . ('a' x 6000) . " HTTP/1.1\r\n" .
	    "Host: x\r\nConnection: close\r\n\r\n", 404],
	['6000-byte line of quotes', "GET /" . ('"' x 6000) . " HTTP/1.1\r\n" .
	    "Host: x\r\nConnection: close\r\n\r\n"],
	['lone CR in the request line', "GET /a\rb HTTP/1.1\r\nHost: x\r\n" .
	    "Connection: close\r\n\r\n"],
	['tab and vertical tab in the line', "GET /a\tb\x0b HTTP/1.1\r\n" .
	    "Host: x\r\nConnection: close\r\n\r\n"],
	['User-Agent with ", \\ and 0xc3', "GET /ok.txt HTTP/1.1\r\n" .
	    "Host: x\r\nUser-Agent: $UA\r\nConnection: close\r\n\r\n", 200],
	# A CTL in a field value is invalid (RFC 9110 section 5.5): 400, and
	# the header is not logged, but the line is.
	['User-Agent with " and ESC', "GET /ok.txt HTTP/1.1\r\nHost: x\r\n" .
	    "User-Agent: a\"b\x1b[31m\r\nConnection: close\r\n\r\n", 400],
	['Referer with \\, tab and 0xff', "GET /ok.txt HTTP/1.1\r\nHost: x\r\n" .
	    "Referer: http://e/\\\"x\"\t\xff\r\nUser-Agent: \xc3\xa9\r\n" .
	    "Connection: close\r\n\r\n", 200],
	['garbage request line', "GAR\"BAGE \\ \x01\xfe\r\n\r\n", 400],
	['garbage without CRLF', "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" .
	    "\r\n\r\n", 400],
);

for my $c (@cases) {
	my ($name, $raw, $want) = @$c;
	my ($st) = parse_response($h->request($raw));
	$n++;
	is($st, $want, "$name: status $want") if defined $want;
	ok($st, "$name: answered") unless defined $want;
	my @lines = $h->wait_access_lines($n);
	is(scalar @lines, $n, "$name: exactly one access-log line");
	my $l = $lines[-1] // '';
	my @f = $l =~ $Hearth::COMBINED_RE;
	ok(@f, "$name: line matches the combined format") or diag $l;
	my $req = esc(first_line($raw));
	if ($name =~ /^6000-byte/) {
		ok(length($f[4] // '') <= 4096 && length($f[4] // '') > 4090,
		    "$name: cut to at most 4096 bytes");
		is(substr(esc(first_line($raw)), 0, length($f[4] // '')),
		    $f[4], "$name: the cut is a prefix of the escaped line");
	} else {
		is($f[4], $req, "$name: request escaped as Apache does");
	}
	is($f[5], $st, "$name: logged status is the one sent") if $st;
	if ($st == 400) {
		is($f[8], '-', "$name: rejected, so no User-Agent logged");
	} elsif ($raw =~ /^User-Agent: (.*?)\r$/m) {
		is($f[8], esc($1), "$name: User-Agent escaped");
	}
	if ($st != 400 && $raw =~ /^Referer: (.*?)\r$/m) {
		is($f[7], esc($1), "$name: Referer escaped");
	}
}

my $log = slurp($h->access_log);
unlike($log, qr/[\x00-\x09\x0b-\x1f\x7f-\xff]/,
    'no raw control or non-ASCII byte in the access log');
is(($log =~ tr/\n//), $n, "$n requests, $n newlines");
is(scalar(grep { !/"-" "-"$/ } $h->access_lines), 2,
    'only the two requests with headers log any');

# the escapes are exactly Apache's, spelled out once
my @l = $h->access_lines;
like($l[0], qr{ "GET /a\\"b\\"c HTTP/1\.1" }, 'quote is \"');
like($l[1], qr{ "GET /a\\\\b\\\\\\\\c HTTP/1\.1" }, 'backslash is \\\\');
like($l[2], qr{ "GET /a\\x01b\\x7fc\\x1b HTTP/1\.1" }, 'control bytes are \xhh');
like($l[3], qr{ "GET /caf\\xc3\\xa9\\xff HTTP/1\.1" }, 'high bytes are \xhh');
like($l[4], qr{ "GET /x%0d%0aGET%20/forged%20HTTP/1\.1 HTTP/1\.1" 404 },
    '%0d%0a stays text and forges nothing');
like($l[-2], qr{^127\.0\.0\.1 - - \[[^]]+\] "GAR\\"BAGE \\\\ \\x01\\xfe" 400 },
    'garbage request line logged, escaped, with 400');

# the error log: every line in Apache 2.4's shape
is($h->stop, 0, 'stopped cleanly');
my @err = split /\n/, slurp($h->error_log) // '';
ok(@err >= 3, 'error log has lines (' . scalar(@err) . ')');
my @bad = grep { $_ !~ $ERROR_RE } @err;
is_deeply(\@bad, [], 'every error-log line matches the Apache 2.4 format');
ok((grep { /\[core:info\] \[pid \d+\] \[client 127\.0\.0\.1\] 400: / } @err),
    'a bad request is logged with the client');
ok((grep { /\[core:notice\] \[pid \d+\] generation 1 serving/ } @err),
    'start-up logged at notice');
unlike(join("\n", @err), qr/[\x00-\x09\x0b-\x1f\x7f-\xff]/,
    'no raw control or non-ASCII byte in the error log');

# ---------------------------------------------------------- log_level
{
	# The harness waits for a notice line; at "warn" there is none,
	# so wait for an answer instead.
	my $w = Hearth->start(workers => 1, no_wait => 1,
	    conf => "log_level = \"warn\";\n" .
	    "error_pages = ( { status = 404; path = \"/gone.html\"; } );\n");
	ok(wait_until(sub {
		die "hearthd exited:\n" . $w->stderr_text unless $w->alive;
		my ($st) = $w->get('/ok-or-not');
		return $st == 404;
	}, 10), 'log_level warn: serving');
	$w->get('/nothing/here') for 1 .. 2;
	ok($w->error_log_like(qr/\[core:warn\] .*error page \S*gone\.html for 404/),
	    'log_level warn: a warning is logged');
	$w->request("BAD\r\n\r\n");
	is($w->stop, 0, 'log_level warn: stopped');
	my $text = slurp($w->error_log) // '';
	unlike($text, qr/\[core:(notice|info|debug)\]/,
	    'log_level warn: no notice, info or debug lines');
	is(scalar(grep { $_ !~ $ERROR_RE } split /\n/, $text), 0,
	    'log_level warn: lines in Apache 2.4 format');
}

# ---------------------------------------------------------- load
sub have {
	my ($cmd) = @_;
	return scalar grep { -x "$_/$cmd" } split /:/, $ENV{PATH};
}

# Run wrk with a hard deadline; returns (output, total requests, socket
# errors, non-2xx/3xx).
sub wrk_start {
	my ($port, $out, @args) = @_;
	my $pid = fork // die "fork: $!";
	if ($pid == 0) {
		open STDOUT, '>', $out or exit 127;
		open STDERR, '>&', \*STDOUT;
		exec 'timeout', '-s', 'KILL', '60', 'wrk', @args,
		    "http://127.0.0.1:$port/index.html";
		exit 127;
	}
	return $pid;
}

sub wrk_wait {
	my ($pid, $out) = @_;
	my $st;
	wait_until(sub { waitpid($pid, WNOHANG) == $pid and
	    defined($st = $?) }, 70);
	unless (defined $st) {
		kill 'KILL', $pid;
		waitpid $pid, 0;
		return ("wrk did not finish", undef, undef, undef, -1);
	}
	my $o = slurp($out) // '';
	my ($req) = $o =~ /(\d+) requests in /;
	my $errs = 0;
	if ($o =~ /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/) {
		$errs = $1 + $2 + $3 + $4;
	}
	my ($non2xx) = $o =~ /Non-2xx or 3xx responses: (\d+)/;
	return ($o, $req, $errs, $non2xx // 0, $st);
}

SKIP: {
	skip 'wrk is not installed (./quickstart deps installs it)', 16
	    unless have('wrk');
	my $tmp = tempdir('hearth-wrk-XXXXXX', TMPDIR => 1, CLEANUP => 1);
	my $L = Hearth->start(workers => 4, conf => "log_level = \"notice\";\n");
	my $pid = wrk_start($L->port, "$tmp/wrk.out", '-t2', '-c20', '-d3s');
	my ($out, $req, $errs, $non2xx, $st) = wrk_wait($pid, "$tmp/wrk.out");
	is($st, 0, 'wrk ran') or diag $out;
	ok(($req // 0) > 100, 'wrk made requests: ' . ($req // 'none'));
	diag "wrk: $req requests, $errs socket errors, $non2xx non-2xx/3xx";
	# wrk counts the responses it read; a request still in flight at its
	# deadline is answered and logged but not counted, so wait for the
	# log to settle, then allow at most one line per connection more.
	my $prev = -1;
	wait_until(sub {
		my $c = () = $L->access_lines;
		my $same = $c == $prev;
		$prev = $c;
		return $same && $c >= ($req // 0);
	}, 10);
	my @lines = $L->access_lines;
	diag "access log: " . scalar(@lines) . " lines";
	ok(@lines >= $req && @lines <= $req + 20,
	    'access log has one line per request (' . scalar(@lines) .
	    " lines, $req requests, 20 connections)");
	is(scalar(grep { $_ !~ $Hearth::COMBINED_RE } @lines), 0,
	    'every line matches the combined format');
	is(scalar(grep { !m{ "GET /index\.html HTTP/1\.1" 200 \d+ } } @lines), 0,
	    'every line is a 200 for /index.html');
	is($errs, 0, 'no socket errors');
	is($non2xx, 0, 'no error responses');

	SKIP: {
		skip 'goaccess is not installed (./quickstart deps installs it)',
		    2 unless have('goaccess');
		my $json = "$tmp/report.json";
		my $o = `goaccess '${\ $L->access_log}' --log-format=COMBINED --no-global-config -o '$json' 2>&1`;
		is($?, 0, 'goaccess read the log') or diag $o;
		my $j = slurp($json) // '';
		my ($total) = $j =~ /"total_requests"\s*:\s*(\d+)/;
		my ($valid) = $j =~ /"valid_requests"\s*:\s*(\d+)/;
		my ($failed) = $j =~ /"failed_requests"\s*:\s*(\d+)/;
		diag "goaccess: total $total, valid $valid, failed $failed"
		    if defined $failed;
		ok(defined $failed && $failed == 0 && $valid == @lines &&
		    $total == @lines, 'goaccess: every line valid, none failed');
	}

	# a worker killed with -9 mid-load
	my @w = $L->worker_pids;
	is(scalar @w, 4, 'four workers');
	my $before = () = $L->access_lines;
	$pid = wrk_start($L->port, "$tmp/wrk2.out", '-t2', '-c20', '-d3s');
	wait_until(sub { (my @x = $L->access_lines) > $before + 500 }, 10);
	# kill the busiest worker, so that the kill does cost connections
	my %socks = map { my $p = $_;
	    $p => scalar grep { (readlink($_) // '') =~ /^socket:/ }
	    glob "/proc/$p/fd/*" } @w;
	my ($victim) = sort { $socks{$b} <=> $socks{$a} } @w;
	diag 'sockets per worker: ' . join(', ', map { $socks{$_} } @w);
	kill 'KILL', $victim;
	($out, $req, $errs, $non2xx, $st) = wrk_wait($pid, "$tmp/wrk2.out");
	is($st, 0, 'wrk completed across the kill') or diag $out;
	diag "kill -9 under load: $req requests, $errs socket errors, " .
	    "$non2xx non-2xx/3xx";
	ok($errs <= $socks{$victim},
	    "errors at most the killed worker's connections ($errs <= " .
	    "$socks{$victim}, its sockets with the listener)");
	is($non2xx, 0, 'no error responses');
	my ($s2) = $L->get('/index.html');
	is($s2, 200, 'serving after the kill');
	ok(wait_until(sub { my @n = $L->worker_pids;
	    @n == 4 && !grep { $_ == $victim } @n }, 10), 'killed worker replaced');
	is($L->stop, 0, 'stopped cleanly after load');
}

done_testing;
