# Bypass attempts: request variants that must still hit a rule, and
# variants that must not.  Every variant goes to two servers: one polices
# with status_policy rules, the other has the same patterns as nginx
# "location" blocks.  Each variant must give the expected answer on both,
# so the test shows that the policy decides as nginx's own routing does,
# and a variant that hits never reaches the protected content.

use strict;
use warnings;
use Test::More;
use Errno qw(ECONNRESET);
use IO::Select;
use lib 't/lib';
use TestNginx;
use H2Frames;

# The protected content: static files and a proxied backend.  Everything
# they serve carries the marker, so a response shows whether the request
# got through.
my $marker = 'CONTENT-REACHED';
my %files = map { ("html/$_" => "$marker $_\n") }
    qw(index.html old-page a old/secret older ol retired retired-2019.html
       stop/x stop/x.bak moved/x scan/x.php db.sql x/print w1
       site/page site/fallback.html);

# The rules, and the same patterns as locations.  The four "zz-never"
# signatures match no path of the table; they give the set the four
# regexes without a literal prefix that have it scanned with Vectorscan
# (make test-pcre2 runs this table on PCRE2 alone).
$files{'bypass.rules'} = <<'RULES';
410 = /old-page
410 = /a
410 /old/
410 /retired
410 ^~ /stop/
301 /moved/ /new/
444 ~ ^/scan/.*\.php$
444 ~* \.(bak|sql)$
410 /api/internal/
410 ~ ^/w[[:alpha:](]|/print$
410 = /site/fallback.html
444 ~* zz-never-1\.(php|asp)
444 ~* zz-never-2\.(php|asp)
444 ~* zz-never-3\.(php|asp)
444 ~* zz-never-4\.(php|asp)
RULES

my $locations = <<'LOCATIONS';
        location = /old-page { return 410; }
        location = /a { return 410; }
        location /old/ { return 410; }
        location /retired { return 410; }
        location ^~ /stop/ { return 410; }
        location /moved/ { rewrite ^/moved/(.*)$ /new/$1 permanent; }
        location ~ ^/scan/.*\.php$ { return 444; }
        location ~* \.(bak|sql)$ { return 444; }
        location /api/internal/ { return 410; }
        location ~ ^/w[[:alpha:](]|/print$ { return 410; }
        location = /site/fallback.html { return 410; }
LOCATIONS

my $content = <<"CONTENT";
        location /api/ {
            proxy_pass http://127.0.0.1:%%PORT9%%;
        }

        location /site/ {
            try_files \$uri /site/fallback.html;
        }

        location / {
        }
CONTENT

my $other = <<"OTHER";
        server_name other.test;

        location / {
            return 200 "$marker other server\\n";
        }
OTHER

# PORT, PORT2 (h2): the policy.  PORT3, PORT4 (h2): nginx locations.
# Both ports also have a server "other.test" with no rules.
# PORT5: policy with status_policy_ignore_case on; PORT6: ~* locations.
# PORT7: policy with merge_slashes off; PORT8: locations, merge_slashes off.
# PORT9: the backend behind /api/.
my $t = TestNginx->new(
    ports => 9,
    files => \%files,
    http => <<"HTTP");
    root %%PREFIX%%/html;
    absolute_redirect off;
    large_client_header_buffers 4 8k;

    # the backend logs the path it decoded, as an application sees it
    log_format backend '\$uri';

    server {
        listen 127.0.0.1:%%PORT%%;
        listen 127.0.0.1:%%PORT2%% http2;
        server_name localhost;
        status_policy_file bypass.rules;
$content
    }

    server {
        listen 127.0.0.1:%%PORT3%%;
        listen 127.0.0.1:%%PORT4%% http2;
        server_name localhost;
$locations
$content
    }

    server {
        listen 127.0.0.1:%%PORT%%;
        listen 127.0.0.1:%%PORT2%% http2;
$other
    }

    server {
        listen 127.0.0.1:%%PORT3%%;
        listen 127.0.0.1:%%PORT4%% http2;
$other
    }

    server {
        listen 127.0.0.1:%%PORT5%%;
        server_name localhost;
        status_policy_ignore_case on;
        status_policy 410 = /old-page;
        status_policy 410 /old/;
        status_policy 444 = /drop;
        status_policy 410 = /kelvin;
        location / {
        }
    }

    server {
        listen 127.0.0.1:%%PORT6%%;
        server_name localhost;
        location ~* ^/old-page\$ { return 410; }
        location ~* ^/old/ { return 410; }
        location ~* ^/drop\$ { return 444; }
        location ~* ^/kelvin\$ { return 410; }
        location / {
        }
    }

    server {
        listen 127.0.0.1:%%PORT7%%;
        server_name localhost;
        merge_slashes off;
        status_policy_file bypass.rules;
$content
    }

    server {
        listen 127.0.0.1:%%PORT8%%;
        server_name localhost;
        merge_slashes off;
$locations
$content
    }

    server {
        listen 127.0.0.1:%%PORT9%%;
        access_log %%PREFIX%%/backend.log backend;

        location / {
            return 200 "$marker backend \$uri\\n";
        }
    }
HTTP

$t->start;

# --- HTTP/1.x -----------------------------------------------------------

# A request target becomes a GET with "Host: localhost"; anything holding
# a line break is sent as it is.
sub request_bytes {
    my ($req) = @_;
    return $req if $req =~ /\n/;
    return "GET $req HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
}

# Sends the bytes, reads until the server closes the connection.  The
# answer's status: 444 for zero bytes and a closed connection, the status
# line's code (with the Location of a redirect), or for an HTTP/0.9 answer
# (no status line) the code in nginx's error page, 200 for content.
sub exchange {
    my ($port, $bytes) = @_;
    my $s = $t->connect($port);
    binmode $s;
    print $s $bytes;

    my $sel = IO::Select->new($s);
    my ($data, $how) = ('', 'open');
    while ($sel->can_read(5)) {
        my $n = sysread($s, my $buf, 65536);
        if (!defined $n && $! == ECONNRESET) {
            $how = 'reset';
            last;
        }
        if (!$n) {
            $how = 'eof';
            last;
        }
        $data .= $buf;
    }
    close $s;

    my $status = $data eq '' ? ($how eq 'open' ? 'silence' : 444)
               : $data =~ m{^HTTP/\d\.\d (\d{3}) } ? $1
               : $data =~ m{<title>(\d{3}) } ? $1
               : $data =~ /\Q$marker\E/ ? 200
               : 'unparsed';
    # a redirect shows where it goes: the rule's target or nginx's own
    $status .= " $1" if $status =~ /^3/ && $data =~ /\r\nLocation: ([^\r]*)/i;
    return { status => $status, raw => $data, closed => $how };
}

sub printable {
    my ($s) = @_;
    $s = substr($s, 0, 60) . '...(' . length($s) . ' bytes)'
        if length $s > 80;
    $s =~ s/([^\x21-\x7e ])/sprintf '\\x%02X', ord $1/ge;
    return $s;
}

# The expected status, or one of a list where nginx versions differ.
sub status_is {
    my ($got, $want, $label) = @_;
    return is($got, $want, "$label: $want") unless ref $want;
    my $any = join ' or ', @$want;
    return ok((grep { $_ eq $got } @$want), "$label: $any")
        || diag "got $got";
}

# Each row: [what, request target or raw request, expected status].
# The policy server must answer the expected status, the location server
# the same one, and the protected content shows in the answer exactly
# when the expected status is 200.
# Without a reference port, only the policy's answers are checked.
sub check_table {
    my $name = shift;
    my $policy = shift;
    my $reference = $_[0] =~ /^\d+$/ ? shift : undef;
    my @rows = @_;
    for my $row (@rows) {
        my ($what, $req, $want) = @$row;
        my $bytes = request_bytes($req);
        my $label = "$name: $what [" . printable($req) . ']';

        my $p = exchange($policy, $bytes);

        status_is($p->{status}, $want, $label)
            or diag printable(substr $p->{raw}, 0, 200);
        if (defined $reference) {
            my $l = exchange($reference, $bytes);
            is($l->{status}, $p->{status}, "$label: location routing agrees");
        }

        if ($want eq '200') {
            like($p->{raw}, qr/\Q$marker\E/, "$label: content served");
        } elsif ($want eq '444') {
            ok($p->{raw} eq '' && $p->{closed} ne 'open',
               "$label: zero bytes, connection closed");
        } else {
            unlike($p->{raw}, qr/\Q$marker\E/,
                   "$label: the content is not reached");
        }
    }
}

my $P = $t->port(1);
my $L = $t->port(3);

# Every byte of /old-page, /old/secret and /scan/x.php percent-encoded in
# turn, in lower and upper case hex, then all of them at once.  The first
# "/" cannot be encoded: a request target starts with a slash.
sub encodings {
    my ($path, $want) = @_;
    my @rows;
    for my $i (1 .. length($path) - 1) {
        for my $fmt ('%%%02x', '%%%02X') {
            my $enc = sprintf $fmt, ord substr($path, $i, 1);
            next if $fmt eq '%%%02X' && $enc eq sprintf('%%%02x',
                                                ord substr($path, $i, 1));
            my $v = $path;
            substr($v, $i, 1) = $enc;
            push @rows, ["'" . substr($path, $i, 1) . "' as $enc", $v,
                         $want];
        }
    }
    my $all = join '', map { sprintf '%%%02x', ord } split //,
                                                      substr($path, 1);
    push @rows, ['all encoded, lower hex', "/$all", $want],
                ['all encoded, upper hex', '/' . uc($all), $want],
                ['the leading slash encoded too', "%2f$all", 400];
    return @rows;
}

check_table('encoding', $P, $L,
    encodings('/old-page', 410),
    encodings('/old/secret', 410),
    encodings('/scan/x.php', 444),
    ['double encoding is not decoded twice', '/old%252Dpage', 404],
    ['double-encoded slash', '/old%252Fsecret', 404],
    ['encoded slash joins segments', '/old%2Fsecret', 410],
    ['encoded slash before the path', '/%2Fold-page', 410],
    ['encoded slashes in a row', '/%2f%2F%2fold-page', 410],
    ['encoded caseless regex', '/db%2Esql', 444],
    ['encoded caseless regex, upper', '/db.S%51L', 444],
    ['^~ prefix encoded beats the regex', '/st%6Fp/x%2ebak', 410],
    ['redirect prefix encoded', '/m%6Fved/x', '301 /new/x'],
    ['encoded into the backend', '/api/%69nternal/x', 410],
    ['encoded slash into the backend', '/api%2Finternal%2Fx', 410],
);

check_table('slashes', $P, $L,
    ['double slash', '//old-page', 410],
    ['triple slash', '///old-page', 410],
    ['many slashes', ('/' x 200) . 'old-page', 410],
    ['inside a prefix', '/old//secret', 410],
    ['before and inside', '//old///secret', 410],
    ['trailing', '/old-page//', 404],
    ['regex', '//scan//x.php', 444],
    ['into the backend', '/api//internal//x', 410],
    ['encoded and plain', '/%2F/%2Fold-page', 410],
);

check_table('dot segments', $P, $L,
    ['/./', '/./old-page', 410],
    ['several /./', '/././././old-page', 410],
    ['/x/../', '/x/../old-page', 410],
    ['/x/y/../../', '/x/y/../../old-page', 410],
    ['encoded dot', '/%2e/old-page', 410],
    ['encoded dot-dot', '/x/%2e%2e/old-page', 410],
    ['encoded dot-dot, upper', '/x/%2E%2E/old-page', 410],
    ['half-encoded dot-dot', '/x/.%2e/old-page', 410],
    ['other half', '/x/%2E./old-page', 410],
    ['encoded slashes and dot-dot', '/x%2F..%2Fold-page', 410],
    ['all of it encoded', '/x%2f%2e%2e%2fold-page', 410],
    ['dot-dot, then an encoded slash', '/x/..%2Fold-page', 410],
    ['ends in /.. inside the prefix', '/old/x/..', 410],
    ['ends in encoded /.. inside the prefix', '/old/x/%2e%2e', 410],
    ['dot-dot out of the prefix', '/old/..', 200],
    ['dot-dot out of the exact path', '/old-page/..', 200],
    ['trailing /.', '/old-page/.', 404],
    ['above the root', '/../old-page', 400],
    ['encoded, above the root', '/%2e%2e/old-page', 400],
    ['two levels above', '/x/../../old-page', 400],
    ['three dots are a name', '/.../old-page', 404],
    ['"..;" is a name', '/x/..;/old-page', 404],
    ['backslash is no separator', '/x/..%5Cold-page', 404],
    ['regex', '/scan/a/../x.php', 444],
    ['into the backend', '/api/x/../internal/x', 410],
    ['backend, encoded', '/api/x/%2e%2e/internal/x', 410],
);

check_table('query, fragment, params', $P, $L,
    ['empty query', '/old-page?', 410],
    ['query', '/old-page?x=1', 410],
    ['query with a path in it', '/old-page?/../index.html', 410],
    ['query on an exact rule', '/a?x', 410],
    ['fragment', '/old-page#frag', 410],
    ['fragment with a path', '/old-page#/../index.html', 410],
    ['query and fragment', '/old-page?x#y', 410],
    ['encoded ? is part of the path', '/a%3Fx', 404],
    ['encoded # is part of the path', '/old-page%23frag', 404],
    [';params are part of the path', '/old-page;jsessionid=1', 404],
    [';params inside the prefix', '/old/secret;x', 410],
    [';params before the prefix ends', '/old;x/secret', 404],
    [';params on the regex', '/scan/x.php;x', 404],
    ['regex, query', '/scan/x.php?x=1', 444],
    ['redirect, query', '/moved/x?y=1', '301 /new/x?y=1'],
);

check_table('bytes', $P, $L,
    ['overlong "/" (C0 AF)', '/old%C0%AFsecret', 404],
    ['overlong "/" before the path', '/%C0%AFold-page', 404],
    ['overlong "." (C0 AE) as dot-dot', '/x/%C0%AE%C0%AE/old-page', 404],
    ['overlong "/" around dot-dot', '/x%C0%AF..%C0%AFold-page', 404],
    ['three-byte overlong "/"', '/x/..%E0%80%AFold-page', 404],
    ['overlong NUL after the path', '/old-page%C0%80', 404],
    ['invalid UTF-8 after the path', '/old-page%FF', 404],
    ['invalid UTF-8 inside the prefix', '/old/%FF%FE', 410],
    ['overlong "/" inside the prefix', '/old/%C0%AF', 410],
    ['raw byte 0xFF after the path', "/old-page\xFF", 404],
    ['raw UTF-8 inside the prefix', "/old/\xC3\xA9", 410],
    ['%00 after the path', '/old-page%00', 400],
    ['%00 inside', '/old%00-page', 400],
    ['%00 inside the prefix', '/old/%00', 400],
    ['raw NUL', "/old-page\0", 400],
    ['truncated escape', '/old-page%', 400],
    ['truncated escape, one digit', '/old-page%2', 400],
    ['invalid escape', '/old%zzpage', 400],
    ['IIS-style %u escape', '/old%u002Fsecret', 400],
    ['encoded control byte', '/old-page%0A', 404],
    ['encoded space', '/old-page%20', 404],
);

# A regex whose top-level "|" follows a POSIX class in brackets: its
# second branch matches anywhere, not only under the first's "/w".
check_table('regex alternation', $P, $L,
    ['first branch', '/wx', 410],
    ['first branch, the "(" in the class', '/w(', 410],
    ['second branch, elsewhere', '/old-print/print', 410],
    ['second branch, encoded', '/x/pr%69nt', 410],
    ['second branch, other case', '/x/PRINT', 404],
    ['neither', '/w1', 200],
);

check_table('case (ignore_case off)', $P, $L,
    ['upper case', '/OLD-PAGE', 404],
    ['one letter', '/old-Page', 404],
    ['encoded upper letter', '/%4Fld-page', 404],
    ['prefix, upper case', '/OLD/secret', 404],
    ['regex is case-sensitive', '/SCAN/x.php', 404],
    ['regex extension upper case', '/scan/x.PHP', 404],
    ['caseless regex', '/db.SQL', 444],
    ['caseless regex, mixed', '/Db.SqL', 444],
    ['^~ prefix before a caseless regex', '/stop/x.BAK', 410],
);

check_table('prefix boundaries', $P, $L,
    ['"/old/" does not catch /old (a directory)', '/old', '301 /old/'],
    ['"/old/" does not catch /older', '/older', 200],
    ['"/old/" does not catch /ol', '/ol', 200],
    ['"/old/" catches /old/', '/old/', 410],
    ['"/retired" catches itself', '/retired', 410],
    ['"/retired" catches /retired-2019.html', '/retired-2019.html', 410],
    ['"/retired" catches /retiredness', '/retiredness', 410],
    ['"/retired" catches /retired/x', '/retired/x', 410],
    ['"/retired" does not catch /retire', '/retire', 404],
    ['"= /a" catches /a', '/a', 410],
    ['"= /a" does not catch /a/', '/a/', 404],
    ['"= /a" does not catch /a/b', '/a/b', 404],
    ['"= /a" does not catch /ab', '/ab', 404],
    ['"= /a" does not catch /a.', '/a.', 404],
    ['"= /a" does not catch /a/. (= /a/)', '/a/.', 404],
    ['"= /a" catches /x/../a', '/x/../a', 410],
    ['"= /old-page" does not catch /old-page/', '/old-page/', 404],
    ['"= /old-page" does not catch /old-pag', '/old-pag', 404],
    ['"= /old-page" does not catch /old-page.html', '/old-page.html', 404],
    ['regex beats a plain prefix', '/old/x.bak', 444],
    ['^~ beats the regex', '/stop/x.bak', 410],
    ['^~ catches the rest', '/stop/x', 410],
    ['regex needs its end', '/scan/x.phpx', 404],
    ['regex, deeper', '/scan/a/b/c.php', 444],
    ['redirect prefix', '/moved/x', '301 /new/x'],
    ['redirect prefix needs its slash (a directory)', '/moved',
     '301 /moved/'],
    ['backend prefix', '/api/internal/x', 410],
    ['backend, not the protected prefix', '/api/internalx', 200],
    ['backend, case differs', '/api/Internal/x', 200],
    ['backend, other path', '/api/public', 200],
    ['the root', '/', 200],
);

# Absolute-form targets: nginx takes the host from the target (over the
# Host header), then routes the path as usual.
my $req = sub {
    my ($target, $host, $version) = @_;
    return "GET $target HTTP/" . ($version // '1.1') . "\r\nHost: "
           . ($host // 'localhost') . "\r\nConnection: close\r\n\r\n";
};

check_table('absolute form', $P, $L,
    ['plain', 'http://localhost/old-page', 410],
    ['another Host header', $req->('http://localhost/old-page', 'other.test'),
     410],
    ['naming another server', $req->('http://other.test/old-page'), 200],
    ['only the Host header names another server',
     $req->('/old-page', 'other.test'), 200],
    ['Host header in upper case', $req->('/old-page', 'LOCALHOST'), 410],
    ['upper case scheme and host', 'HTTP://LOCALHOST/old-page', 410],
    ['https scheme', 'https://localhost/old-page', 410],
    ['unknown scheme', 'ftp://localhost/old-page', 410],
    ['with a port', 'http://localhost:8080/old-page', 410],
    ['host with a trailing dot', 'http://localhost./old-page', 410],
    ['IP address host', 'http://127.0.0.1/old-page', 410],
    ['encoded path', 'http://localhost/%6Fld-page', 410],
    ['double slash', 'http://localhost//old-page', 410],
    ['dot segments', 'http://localhost/x/../old-page', 410],
    ['query', 'http://localhost/old-page?x', 410],
    ['prefix', 'http://localhost/old%2Fsecret', 410],
    ['regex', 'http://localhost/scan/x.php', 444],
    ['backend', 'http://localhost/api/%69nternal/x', 410],
    ['userinfo is refused', 'http://user@localhost/old-page', 400],
    ['no path', 'http://localhost', 200],
);

check_table('HTTP versions and methods', $P, $L,
    ['HTTP/1.0', "GET /old-page HTTP/1.0\r\n\r\n", 410],
    ['HTTP/1.0 encoded', "GET /%6Fld-page HTTP/1.0\r\n\r\n", 410],
    ['HTTP/1.0 absolute form',
     "GET http://localhost/old-page HTTP/1.0\r\n\r\n", 410],
    ['HTTP/1.0 regex', "GET /scan/x.php HTTP/1.0\r\n\r\n", 444],
    ['HTTP/0.9', "GET /old-page\r\n", 410],
    ['HTTP/0.9 prefix', "GET /old/secret\r\n", 410],
    ['HTTP/0.9 encoded, dot segments', "GET /x/%2e%2e/%6Fld-page\r\n", 410],
    ['HTTP/0.9 regex', "GET /scan/x.php\r\n", 444],
    ['HTTP/0.9 content', "GET /ol\r\n", 200],
    ['HTTP/1.2', $req->('/old-page', undef, '1.2'), 410],
    ['HTTP/2.0 request line', $req->('/old-page', undef, '2.0'), 505],
    ['HEAD', "HEAD /old-page HTTP/1.1\r\nHost: localhost\r\n"
     . "Connection: close\r\n\r\n", 410],
    ['POST', "POST /old/secret HTTP/1.1\r\nHost: localhost\r\n"
     . "Content-Length: 3\r\nConnection: close\r\n\r\nabc", 410],
    ['unknown method', "FOO /old-page HTTP/1.1\r\nHost: localhost\r\n"
     . "Connection: close\r\n\r\n", 410],
    ['lower-case method', "get /old-page HTTP/1.1\r\nHost: localhost\r\n"
     . "Connection: close\r\n\r\n", 400],
    ['spaces around the target', "GET   /old-page   HTTP/1.1\r\n"
     . "Host: localhost\r\nConnection: close\r\n\r\n", 410],
    ['bare LF line ends', "GET /old-page HTTP/1.1\nHost: localhost\n"
     . "Connection: close\n\n", 410],
);

# Variants later on a kept-alive connection, after a miss, a hit and a
# redirect, are policed as the first request is.
{
    my @r = $t->get_keepalive('/ol', '/%6Fld-page', '/older', '//old-page',
                              '/moved/x', '/old/x/..', '/a?x', '/a/');
    is(join(' ', map { $_->{status} } @r), '200 410 200 410 301 410 410 404',
       'keep-alive: each request on the connection decided by itself');
}

# nginx reads a request line into one large_client_header_buffers buffer
# (8k here): a line that fits is routed and policed, a longer one is
# refused before any routing.
{
    my $line = sub { "GET $_[0] HTTP/1.1\r\n" };
    my $fill = sub {
        my ($head, $size) = @_;
        my $n = $size - length $line->($head);
        return $head . ('a' x $n);
    };
    my $rest = "Host: localhost\r\nConnection: close\r\n\r\n";
    my $fits = $fill->('/old/', 8192);
    my $over = $fill->('/old/', 8193);
    is(length $line->($fits), 8192, 'a request line of 8192 bytes');

    check_table('long paths', $P, $L,
        ['prefix, longest line nginx reads', $line->($fits) . $rest, 410],
        ['prefix, one byte over', $line->($over) . $rest, 414],
        ['content, one byte over', $line->($fill->('/ol?', 8193)) . $rest,
         414],
        ['encoded, longest line', $line->($fill->('/%6Fld/', 8192)) . $rest,
         410],
        ['many slashes, longest line',
         $line->('/' x (8192 - length($line->('old-page'))) . 'old-page')
         . $rest, 410],
        ['many dot segments, long',
         $line->(('/x/..' x 1500) . '/old-page') . $rest, 410],
        ['regex, long', $line->($fill->('/scan/', 8188) . '.php') . $rest,
         444],
    );
}

# --- status_policy_ignore_case -------------------------------------------

# nginx has no caseless prefix locations on Linux: the reference server
# uses anchored ~* regexes, which match the same paths.
check_table('ignore_case on', $t->port(5), $t->port(6),
    ['exact', '/old-page', 410],
    ['upper case', '/OLD-PAGE', 410],
    ['mixed case', '/Old-PaGe', 410],
    ['encoded upper letter', '/%4Fld-page', 410],
    ['encoded, upper case', '/%4F%4C%44-PAGE', 410],
    ['dot segments and case', '/X/../OLD-PAGE', 410],
    ['prefix', '/OLD/secret', 410],
    ['prefix, mixed', '/oLd/Anything', 410],
    ['prefix, encoded slash', '/OLD%2Fx', 410],
    ['drop', '/DROP', 444],
    ['still no longer path', '/OLD-PAGE/', 404],
    ['still no shorter path', '/OLD', 404],
    ['non-ASCII letters do not fold', '/%C3%96ld-page', 404],
    ['the Kelvin sign is not a k', '/%E2%84%AAelvin', 404],
    ['kelvin', '/KELVIN', 410],
);

# --- merge_slashes off ----------------------------------------------------

# With merge_slashes off nginx keeps repeated slashes in $uri and routes
# on that: "location = /old-page" does not match //old-page, yet the file
# system serves /old-page for it.  The rules match the path with its
# slashes merged all the same, so no rule is opened by a doubled slash.
# (Dot segments are resolved by nginx first: /x//../old-page is /x/old-page,
# another file.)
check_table('merge_slashes off: the rules merge slashes', $t->port(7),
    ['exact', '/old-page', 410],
    ['double slash', '//old-page', 410],
    ['triple slash', '///old-page', 410],
    ['double slash inside the prefix', '/old//secret', 410],
    ['double slash before the prefix', '//old/secret', 410],
    ['encoded slash makes a double slash', '/%2Fold-page', 410],
    ['dot segments are still resolved', '/x/../old-page', 410],
    ['dot-dot eats an empty segment: another path', '/x//../old-page', 404],
    ['dot-dot leaves a double slash', '/x/..//old-page', 410],
    ['encoded', '/%6Fld-page', 410],
    ['regex sees merged slashes', '/scan//x.php', 444],
    ['regex anchored at a double slash', '//scan/x.php', 444],
    ['backend', '/api/internal//x', 410],
    ['backend, double slash first', '//api/internal/x', 410],
    ['redirect from the merged path', '//moved/a', '301 /new/a'],
);

# --- HTTP/2 ---------------------------------------------------------------

# One request on a new connection, with exactly these header fields
# (literal, not indexed).  Returns the status: 444 for RST_STREAM, or the
# response's :status, and the body.
sub h2_exchange {
    my ($port, @fields) = @_;
    my $h2 = H2Frames->new(port => $port);
    my $block = '';
    while (my ($name, $value) = splice @fields, 0, 2) {
        $block .= "\x00" . H2Frames::hpack_string($name)
                  . H2Frames::hpack_string($value);
    }
    $h2->send_raw(H2Frames::frame($H2Frames::TYPE{HEADERS}, 0x5, 1, $block));
    $h2->read_frames(timeout => 5, until => sub {
        my ($f) = @_;
        return $f->{sid} == 1 && ($f->{flags} & 0x1
                                  || $f->{type} == $H2Frames::TYPE{RST_STREAM})
               || $f->{type} == $H2Frames::TYPE{GOAWAY};
    });
    my $st = $h2->stream(1);
    $h2->close;
    my $status = defined $st->{rst} ? 444
               : defined $st->{status} ? $st->{status}
               : $h2->goaway ? 'goaway' : 'nothing';
    return { status => $status, body => $st->{data} };
}

sub check_h2 {
    my ($name, @rows) = @_;
    for my $row (@rows) {
        my ($what, $fields, $want) = @$row;
        my @fields = ref $fields ? @$fields
            : (':method' => 'GET', ':scheme' => 'http', ':path' => $fields,
               ':authority' => 'localhost');
        my %f = @fields;
        my $label = "$name: $what [" . printable($f{':path'} // '') . ']';

        my $p = h2_exchange($t->port(2), @fields);
        my $l = h2_exchange($t->port(4), @fields);

        status_is($p->{status}, $want, $label);
        is($l->{status}, $p->{status}, "$label: location routing agrees");
        if ($want eq '200') {
            like($p->{body}, qr/\Q$marker\E/, "$label: content served");
        } else {
            unlike($p->{body}, qr/\Q$marker\E/,
                   "$label: the content is not reached");
        }
    }
}

my $h2 = sub {
    my ($path, %f) = @_;
    return [':method' => $f{method} // 'GET',
            ':scheme' => $f{scheme} // 'http',
            ':path' => $path,
            (defined $f{authority} ? (':authority' => $f{authority}) : ()),
            @{ $f{headers} // [] }];
};

check_h2('h2',
    ['plain', '/old-page', 410],
    ['encoded byte', '/%6Fld-page', 410],
    ['all encoded', '/%6f%6c%64%2d%70%61%67%65', 410],
    ['encoded slash', '/old%2Fsecret', 410],
    ['double slash', '//old-page', 410],
    ['many slashes', ('/' x 100) . 'old//secret', 410],
    ['/./', '/./old-page', 410],
    ['/x/../', '/x/../old-page', 410],
    ['encoded dot-dot', '/x/%2e%2e/old-page', 410],
    ['encoded slashes and dot-dot', '/x%2F%2E%2E%2Fold-page', 410],
    ['above the root', '/../old-page', 400],
    ['query', '/old-page?x=1', 410],
    ['exact with a query', '/a?x', 410],
    ['fragment', '/old-page#x', 410],
    [';params', '/old-page;x', 404],
    ['overlong "/"', '/old%C0%AFsecret', 404],
    ['%00', '/old-page%00', 400],
    ['upper case', '/OLD-PAGE', 404],
    ['regex drop resets the stream', '/scan/x.php', 444],
    ['regex drop, encoded', '/scan/x%2Ephp', 444],
    ['caseless regex drop', '//DB.Sql', 444],
    ['^~ beats the regex', '/stop/./x.bak', 410],
    ['redirect', '/m%6Fved/x', 301],
    ['backend', '/api/%69nternal/x', 410],
    ['backend, dot segments', '/api/x/../internal/x', 410],
    ['backend, other path', '/api/public', 200],
    ['not a rule', '/ol', 200],
    ['"/old/" does not catch /older', '/older', 200],
    ['"= /a" does not catch /a/', '/a/', 404],
    ['absolute-form :path is refused', 'http://localhost/old-page', 400],
    ['empty :path', '', 400],
    ['longest :path nginx takes, prefix', '/old/' . ('a' x 8187), 410],
    ['one byte longer: GOAWAY', '/old/' . ('a' x 8188), 'goaway'],
    [':authority of another server', $h2->('/old-page', authority =>
                                           'other.test'), 200],
    [':authority in upper case', $h2->('/old-page', authority =>
                                       'LOCALHOST'), 410],
    [':authority with a port', $h2->('/old-page', authority =>
                                     'localhost:8080'), 410],
    [':authority with a trailing dot', $h2->('/old-page', authority =>
                                             'localhost.'), 410],
    ['no :authority, Host header', $h2->('/old-page', headers =>
                                         [host => 'localhost']), 410],
    ['no :authority, Host of another server',
     $h2->('/old-page', headers => [host => 'other.test']), 200],
    ['no :authority, no Host', $h2->('/old-page'), 400],
    [':scheme https', $h2->('/old-page', scheme => 'https',
                            authority => 'localhost'), 410],
    [':authority and a Host header that differs',
     $h2->('/old-page', authority => 'localhost',
           headers => [host => 'other.test']), 400],
    [':authority naming another server, Host this one',
     $h2->('/old-page', authority => 'other.test',
           headers => [host => 'localhost']), 400],
    # nginx 1.22 takes it for an unknown name (the default server), later
    # versions refuse it
    [':authority with userinfo',
     $h2->('/old-page', authority => 'user@localhost'), [410, 400]],
    ['a second :path', $h2->('/ol', authority => 'localhost',
                             headers => [':path' => '/old-page']), 400],
    [':path without the slash', 'old-page', 400],
    [':path "*"', '*', 400],
    [':path with a space', '/old page', 400],
    [':path with a raw 0xFF byte', "/old-page\xFF", 404],
    ['HEAD', $h2->('/old-page', method => 'HEAD', authority => 'localhost'),
     410],
    ['unknown method', $h2->('/old-page', method => 'FOO',
                             authority => 'localhost'), 410],
    ['lower-case method', $h2->('/old-page', method => 'get',
                                authority => 'localhost'), 400],
);

# --- internal redirects ----------------------------------------------------

# The one place where the policy and locations part ways, by design: nginx
# matches locations again after an internal redirect (try_files' last
# parameter, index, error_page), rules police only the request the client
# sent.  So a try_files fallback is served even though a rule names it,
# as a PHP front controller must be whatever the rules say of its path.
{
    my $p = exchange($P, request_bytes('/site/missing'));
    my $l = exchange($L, request_bytes('/site/missing'));
    is($l->{status}, 410, 'try_files fallback: locations match it again');
    is($p->{status}, 200, 'try_files fallback: the rule does not police it');
    is(exchange($P, request_bytes('/site/fallback.html'))->{status}, 410,
       'try_files fallback: asked for directly, it is policed');
    is(exchange($P, request_bytes('/site/page'))->{status}, 200,
       'try_files: a file that exists is served');
}

# --- what reached the backend ----------------------------------------------

my $backend = $t->slurp('backend.log');
like($backend, qr{^/api/public$}m, 'the backend got the requests no rule '
                                   . 'matched');
unlike($backend, qr{^/api/+internal/}m,
       'no request for /api/internal/ reached the backend, however spelled');

done_testing;
