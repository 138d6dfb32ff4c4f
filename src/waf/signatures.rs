//! The built-in rule set: every signature with its stable id, family, paranoia level and score.
//! Patterns are written for this project (general shapes of each attack family), read against a
//! normalised, lower-cased view; they must stay linear-time and never key on a single test case.

use super::rules::class::*;
use super::rules::severity::*;
use super::rules::{Category, Category::*, Matcher, Rule, View};

/// A regex rule without extra tags (the table reads best with positional fields).
#[allow(clippy::too_many_arguments)]
const fn re(
    id: u32,
    category: Category,
    paranoia: u8,
    score: u32,
    targets: u16,
    view: View,
    pattern: &'static str,
    message: &'static str,
) -> Rule {
    Rule { id, category, paranoia, score, targets, view, matcher: Matcher::Regex(pattern), tags: &[], message }
}

/// Unix commands that are rarely words of prose and common in injected command lines.
macro_rules! unix_cmds {
    () => {
        r"(?:cat|tac|nl|head|tail|more|less|ls|dir|id|whoami|uname|hostname|ifconfig|ipconfig|netstat|ss|ps|pwd|env|printenv|wget|curl|fetch|lwp-download|nc|ncat|netcat|socat|telnet|ssh|scp|ftp|tftp|bash|sh|zsh|ksh|csh|tcsh|dash|ash|busybox|python[23]?|perl|ruby|php[0-9]?|node|lua|awk|gawk|sed|xargs|chmod|chown|chgrp|rm|rmdir|mkdir|touch|cp|mv|ln|echo|printf|base64|base32|xxd|od|hexdump|strings|find|locate|grep|egrep|fgrep|tar|zip|unzip|gzip|gunzip|bzip2|xz|unxz|7z|crontab|sudo|su|kill|killall|pkill|nohup|nmap|ping|nslookup|dig|host|traceroute|sleep|timeout|time|passwd|useradd|usermod|mount|dd|vi|vim|nano|ed|cut|sort|uniq|tee|tr|wc|diff|file|stat|md5sum|sha1sum|sha256sum|openssl|gcc|cc|make|git|svn|docker|kubectl|systemctl|service|iptables|chattr|lsof|last|w|who|finger|history|alias|export|unset|exec|eval|source|fold|rev|paste|expand|column|split|shuf|look|base58|uuencode|uudecode|mkfifo|mknod|setsid|script|expect|at|batch|ansible|chef-client|puppet|salt|cscli|terraform|aws|gcloud|az|pip[23]?|npm|npx|gem|apt|apt-get|yum|dnf|apk|rpm|dpkg|jq|sqlite3|mysql|psql|mongo|redis-cli|rsync|zcat|bzcat|xzcat|zless|zmore|zgrep|readlink|realpath|basename|dirname|getent|id|groups|lsb_release|arch|nproc|free|df|du|top|htop|uptime|dmesg|journalctl|strace|ltrace|gdb|objdump|readelf|nm|ld|sh[0-9]*|rc|rcp|rlogin|rsh|whois|php-cgi|powershell|pwsh|cmd|certutil|bitsadmin|wmic|reg|regsvr32|rundll32|mshta|cscript|wscript|msiexec|schtasks|tasklist|taskkill|net|netsh|sc|icacls|cacls|attrib|type|findstr|copy|xcopy|del|erase|ren|systeminfo|ver|vol)"
    };
}

/// The command words of [`unix_cmds!`], for the context checks (`context::is_script`).
pub const UNIX_COMMANDS: &str = unix_cmds!();

macro_rules! strict_cmds {
    () => {
        r"(?:cat|tac|ls|id|whoami|uname|ifconfig|ipconfig|netstat|wget|curl|nc|ncat|netcat|socat|telnet|bash|sh|zsh|ksh|csh|dash|busybox|python[23]?|perl|ruby|php[0-9]?|awk|gawk|sed|xargs|chmod|chown|rm|mkdir|touch|echo|printf|base64|base32|xxd|hexdump|grep|egrep|tar|gzip|gunzip|unxz|crontab|sudo|kill|pkill|nohup|nmap|ping|nslookup|dig|traceroute|sleep|passwd|useradd|dd|fold|rev|uuencode|mkfifo|setsid|chef-client|cscli|ansible|sqlite3|mysql|psql|zcat|bzcat|xzcat|getent|lsof|dmesg|strace|powershell|pwsh|cmd|certutil|bitsadmin|wmic|regsvr32|rundll32|mshta|cscript|wscript|systeminfo|tasklist|net\.exe|nl|cut|od|env|printenv|pwd|ps|uptime)"
    };
}

/// The command words of [`strict_cmds!`], for the context checks (`context::runtime_tokens`).
pub const STRICT_COMMANDS: &str = strict_cmds!();

/// The names of `php_funcs!` that no natural language or common field uses as a word (rule 3308
/// counts them alone at paranoia level 2).
macro_rules! php_funcs_distinct {
    () => {
        r"(?:shell_exec|passthru|popen|proc_open|pcntl_exec|phpinfo|base64_decode|gzinflate|gzuncompress|gzdecode|str_rot13|create_function|call_user_func(?:_array)?|preg_replace|include_once|require_once|file_get_contents|file_put_contents|fopen|fwrite|fputs|readfile|unserialize|highlight_file|show_source|php_uname|getenv|putenv|ini_set|ini_get|move_uploaded_file|symlink|fsockopen|pfsockopen|curl_exec|curl_init|ob_start|array_map|array_filter|usort|uasort|uksort|register_shutdown_function|register_tick_function|set_error_handler|mb_ereg_replace|iterator_apply|hex2bin|convert_uuencode|gzopen|bzopen|scandir|opendir|readdir|posix_getpwuid|posix_setuid|get_defined_vars|parse_str|var_dump|print_r|var_export|escapeshellcmd|escapeshellarg|apache_setenv|stream_get_contents|filemtime|is_writable|tempnam|tmpfile|error_reporting|set_time_limit|ignore_user_abort|setcookie|session_start|strrev|strtolower|strtoupper|ucfirst|urldecode|rawurldecode|htmlspecialchars_decode|html_entity_decode|json_decode|simplexml_load_string|libxml_disable_entity_loader)"
    };
}

/// The rest of `php_funcs!`: names that are also everyday words or common field names (`file`,
/// `system`, `include`, `mail`, `header`, `ord` …); rule 3308 counts them only before a call.
macro_rules! php_funcs_words {
    () => {
        r"(?:eval|assert|system|exec|include|require|dl|mail|chmod|unlink|glob|extract|serialize|file|copy|rename|rmdir|mkdir|touch|header|md5|sha1|crc32|chr|ord|pack|unpack)"
    };
}

/// PHP functions that execute code or commands, read files or decode payloads: the two tiers
/// above, as one alternation.
macro_rules! php_funcs {
    () => {
        concat!(r"(?:", php_funcs_distinct!(), "|", php_funcs_words!(), ")")
    };
}

pub static RULES: &[Rule] = &[
    // ---------------------------------------------------------------- SQL injection (4200–4299)
    Rule {
        id: 4200,
        category: Sqli,
        paranoia: 1,
        score: CRITICAL,
        targets: ARGS,
        view: View::Text,
        matcher: Matcher::LibinjectionSqli,
        tags: &["libinjection"],
        message: "SQL injection detected by the SQL tokenizer",
    },
    re(
        4201,
        Sqli,
        1,
        CRITICAL,
        ARGS | PATH,
        View::Sql,
        // A lone quote after the keyword, glued to the operator, opens a literal that holds the
        // operator (`` `<` and `>` ``, `'=' or '=='` in text): no comparison. An empty or blank
        // literal before it (`' or ''='`, `' or ' '='`) and every longer operand still count.
        r#"['"`)]\s*(?:(?:or|and|xor)\b\s*(?:[('"`]?\s*(?:[\w'"`@$.-]{2,}|[\w@$.-])|[('"`]\s*['"`])\s*[)'"`]?|(?:or|and|xor)\b\s*['"`](?:\s+[)'"`]?|[)'"`])|(?:\|\||&&)\s*(?:[('"`]\s*)?[\w@.-][\w'"`@$.-]*\s*[)'"`]?)\s*(?:=|<=>|<>|!=|<|>|\blike\b|\bis\b|\bin\s*\(|\brlike\b|\bregexp\b)"#,
        "SQL tautology after a closing quote",
    ),
    re(4202, Sqli, 1, CRITICAL, ARGS | PATH, View::Sql, r"\bunion\b[\s(]*(?:all|distinct|select)\b", "UNION query"),
    re(
        4203,
        Sqli,
        1,
        CRITICAL,
        ARGS,
        View::Sql,
        // After a `;` or `)`, or a quote followed by `;` or a space: a statement. A quote directly
        // followed by the keyword only when no closing quote follows (`'alter a`), because a
        // closed one is a quoted phrase (`"drop shipping" vs wholesale`, `` `group by` ``).
        // A statement keyword glued to a hyphen and a letter is a compound word (`drop-off`,
        // `create-react-app`, `update-check`): SQL needs a space, a comment or `(` after `DROP`,
        // `CREATE` …; the keywords that take an expression (`select-x` is `SELECT -x`) still match.
        // `DROP` and `CREATE` before a word name what they drop or create (`TABLE`, `USER`,
        // `OR REPLACE` …): before another word they are English (`gradient; drop heights 1.2m`,
        // `…; create an account`). Alone at the end, or before punctuation or a comment, they
        // still count.
        concat!(
            r#"(?:[;)]|['"`]\s*;|['"`]\s)\s*"#,
            r#"(?:select\b|(?:insert|update|delete|alter|truncate|exec|execute|declare|shutdown|grant|revoke|waitfor|procedure)(?:[^\w-]|-[^a-z]|-?$)"#,
            r#"|(?:drop|create)(?:[^\w\s-]|-[^a-z]|-?\s*$|\s+(?:table|database|schema|view|index|procedure|proc|function|trigger|user|role|login|sequence|column|constraint|type|domain|extension|tablespace|event|server|synonym|package|materialized|definer|if|or|temp|temporary|unique|global|aggregate|assembly|policy|rule|owned|logfile|library|directory|java|link|public|publication|subscription|statistics|cast|operator|language|foreign|unlogged|external|fulltext|spatial|clustered|nonclustered)\b)"#,
            r#"|union\s+(?:all\s+)?select\b|having\b|order\s+by\b|group\s+by\b|into\s+(?:out|dump)file\b|limit\s+\d)"#,
            r#"|'\s*"#,
            r#"(?:select\b|(?:insert|update|delete|drop|create|alter|truncate|exec|execute|declare|shutdown|grant|revoke|waitfor|procedure)(?:[^\w'-]|-[^a-z']|-?$)|union\s+(?:all\s+)?select\b|having\b|order\s+by\b|group\s+by\b|into\s+(?:out|dump)file\b|limit\s+\d)[^']*$"#,
            r#"|"\s*"#,
            r#"(?:select\b|(?:insert|update|delete|drop|create|alter|truncate|exec|execute|declare|shutdown|grant|revoke|waitfor|procedure)(?:[^\w"-]|-[^a-z"]|-?$)|union\s+(?:all\s+)?select\b|having\b|order\s+by\b|group\s+by\b|into\s+(?:out|dump)file\b|limit\s+\d)[^"]*$"#,
            r#"|`\s*"#,
            r#"(?:select\b|(?:insert|update|delete|drop|create|alter|truncate|exec|execute|declare|shutdown|grant|revoke|waitfor|procedure)(?:[^\w`-]|-[^a-z`]|-?$)|union\s+(?:all\s+)?select\b|having\b|order\s+by\b|group\s+by\b|into\s+(?:out|dump)file\b|limit\s+\d)[^`]*$"#
        ),
        "SQL statement after a closing quote or parenthesis",
    ),
    re(
        4204,
        Sqli,
        1,
        CRITICAL,
        ARGS | PATH,
        View::Sql,
        // A method named `sleep` or `benchmark` of a named object (`time.sleep(300)`,
        // `Thread.sleep(500)`, `asyncio.sleep(1)`) is a program's pause: SQL calls neither on
        // anything but Oracle's packages, listed; `pg_catalog.pg_sleep(5)` is PostgreSQL's,
        // schema-qualified. After a quote or a bracket the dot concatenates (`'.sleep(12).'`).
        r"(?:^|[^.\w]|\W\.)(?:sleep|benchmark)\s*\(|\b(?:pg_sleep|randomblob|dbms_lock\.sleep|dbms_pipe\.receive_message)\s*\(|\bwaitfor\s+(?:delay|time)\b",
        "time-based blind SQL injection",
    ),
    re(
        4234,
        Sqli,
        1,
        CRITICAL,
        ARGS | PATH,
        View::Sql,
        // A delay joined by a boolean operator to a quote or parenthesis just closed (`x" and
        // sleep(5) --`, `'||pg_sleep(5)--`): the breakout a blind probe needs. Unlike 4204 it
        // counts inside prose too, where a quoted phrase, `and` and a delay function called with a
        // number do not meet (`"pineapple on pizza" and sleep(5) -- …`).
        r#"['"`)]\s*(?:(?:and|or|xor)\s+|&&\s*|\|\|\s*)(?:\(\s*)*(?:select\s+)?(?:sleep\s*\(\s*\d|benchmark\s*\(\s*\d|pg_sleep\s*\(|randomblob\s*\(\s*\d|dbms_lock\.sleep\s*\(|dbms_pipe\.receive_message\s*\(|waitfor\s+(?:delay|time)\b)"#,
        "time delay joined to a closed quote",
    ),
    re(
        4205,
        Sqli,
        1,
        CRITICAL,
        ARGS | PATH,
        View::Sql,
        // The file, XML and aggregate functions act only when called: a bare `load_file` is a name
        // (an e-discovery production's `load_file` setting, a column), `load_file(` a call.
        concat!(
            r"\b(?:information_schema|mysql\.(?:user|db|host)|pg_catalog|pg_shadow|pg_user|sysobjects|syscolumns|sys\.(?:objects|tables|columns|databases|sql_logins)|msysobjects|msysaccessobjects|sqlite_master|sqlite_schema|all_tables|user_tables|dba_users|xp_cmdshell|xp_regread|xp_dirtree|xp_fileexist|sp_executesql|sp_oacreate|sp_makewebtask|sp_addlogin|sp_password|openrowset|opendatasource|utl_http|utl_inaddr|dbms_xmlgen|into\s+(?:out|dump)file|@@(?:version|datadir|hostname|basedir|servername|tmpdir)|copy\s+\w+\s+(?:from|to)\s+program)\b",
            r"|\b(?:load_file|extractvalue|updatexml|group_concat|pg_read_file|pg_ls_dir|lo_import|lo_export)\s*\("
        ),
        "database catalogue, system procedure or file function",
    ),
    re(
        4206,
        Sqli,
        1,
        CRITICAL,
        ARGS | PATH,
        View::Sql,
        r"\b(?:or|and|xor|having|where)\s+(?:\d+|'[^']*'|\x22[^\x22]*\x22)\s*(?:=|<>|!=|<=>|>=|<=|<|>|\blike\b)\s*(?:\d+|'[^']*'|\x22[^\x22]*\x22)",
        "boolean test of literals",
    ),
    re(
        4207,
        Sqli,
        1,
        CRITICAL,
        ARGS,
        View::Sql,
        r#"\b(?:insert\s+into\s+[\w`."\[\]]+\s*(?:\(|values|select)|delete\s+from\s+[\w`."\[\]]+\s*(?:where|;|$)|drop\s+(?:table|database|schema|user|view|function|procedure)\b|truncate\s+table\b|alter\s+(?:table|user|database)\b|create\s+(?:table|database|user|function|procedure|trigger)\b|update\s+[\w`."\[\]]+\s+set\s+[\w`."]+\s*=)"#,
        "SQL data or schema manipulation statement",
    ),
    re(
        4208,
        Sqli,
        1,
        CRITICAL,
        ARGS | PATH,
        View::Sql,
        // `--` right after the quote and followed by a letter or digit is not the comment that cuts
        // off the rest (`"--1`); a `#` after a quote is one only when the line does not close the
        // quote again (`admin'#`, not a selector or colour `'#app .item'`, `"#fff"`). A `--` between
        // two quotes of the same kind is a string that holds it (`["run", "dev", "--", "--host"]`).
        // A `#` glued to a number after a quote that closes a quoted word is a number sign: a
        // nursery's container size after a cultivar (`Ilex glabra 'Shamrock' #3`), a rank, an
        // issue number. After the value's first quote (`admin'#1`) it is a comment as before.
        r#"['"](?:\s+--|\s*(?:;\s*--|;\s*#|/\*))|'--(?:[^a-z0-9']|$)|"--(?:[^a-z0-9"]|$)|(?:^|\n)[^'\n]*'\s*#[^'\n]*(?:\n|$)|'\s*#(?:[^0-9'\n][^'\n]*)?(?:\n|$)|(?:^|\n)[^"\n]*"\s*#[^"\n]*(?:\n|$)|"\s*#(?:[^0-9"\n][^"\n]*)?(?:\n|$)|['"]\s*;\s*$"#,
        "quote closed and the rest commented out",
    ),
    re(
        4209,
        Sqli,
        1,
        CRITICAL,
        ARGS | PATH,
        View::Text,
        r"/\*!\d*|\bselect\s*/\*|\*/\s*(?:union|select|from|where|or|and)\b",
        "MySQL executable comment or comment-obfuscated keyword",
    ),
    re(
        4210,
        Sqli,
        1,
        CRITICAL,
        ARGS | PATH,
        View::Sql,
        // `execute(` after a dot is a method of a program's object (`session.execute(text(…))`), which
        // SQL has not.
        r#"(?:^|[^.\w])(?:exec|execute)\s*\(|\b(?:exec|execute)\s+(?:master\.|xp_|sp_|immediate\b|@)|\bdeclare\s+@\w+|\bexec\s+xp_"#,
        "MSSQL/Oracle dynamic execution",
    ),
    re(
        4211,
        Sqli,
        1,
        CRITICAL,
        ARGS | PATH,
        View::Sql,
        // Not a placeholder closed by `$` (a browser extension's `"Delete $TEXT$?"`), nor a
        // variable assigned or closing a template's action (`{{ $type := .Get "type" }}`, `{{
        // $type }}` in a Go template, `$all = 1;`): a query operator is a key (`{"$ne": …}`,
        // `[$ne]`), never assigned to nor last in an object; `==` compares. So a key is closed by
        // a quote (also escaped, `\"$ne\"`), a bracket or a colon: a name before `)`, `,`, `;`
        // or `->` is a PHP or shell variable (`function f( $text ) {`, `$type, $all;`).
        r#"\$(?:ne|gt|gte|lt|lte|eq|in|nin|regex|where|exists|or|and|nor|not|expr|function|accumulator|elemmatch|text|type|mod|all|size)(?:$|["'\]\\`]|==|:(?:$|[^=])|\s+(?:$|["'\]\\`]|==|:(?:$|[^=])))"#,
        "MongoDB query operator injection",
    ),
    re(
        4212,
        Sqli,
        1,
        CRITICAL,
        ARGS | PATH,
        View::Sql,
        // An arrow is a JSON operator glued to a name or followed by a key (`'->'a'`, `"->>name`,
        // MySQL's path `->"$.a"`); between words in text (`asked: "…?" -> yes`) it is not one, nor
        // between two double-quoted words (`"it's" -> "its"`, a correction): PostgreSQL's keys
        // are single-quoted literals, and a double-quoted word after the arrow is no MySQL path.
        // A type that takes no modifier followed by `(` is a namespaced function (GROQ's
        // `pt::text(body)`, C++'s `std::…`), not a cast: `::text(` is no PostgreSQL.
        // An arrow after a type that is no JSON is Haskell's or PureScript's function type (`topK
        // :: Int -> [String] -> …`): PostgreSQL takes no bare `->` from an integer or text. Its
        // `->>` and an arrow before a quoted key still count.
        r#"::\s*jsonb?\b\s*(?:[^\s(]|$)|::\s*(?:text|int\d?|integer|bigint|bytea|regclass|oid|boolean)\b\s*(?:[^\s(-]|-(?:[^>]|$|>>|>\s*')|$)|::\s*(?:varchar|double\s+precision|numeric)\b|['"]\s*(?:\?\||\?&|@>|<@|#>>?|@@|@\?)\s*['"a-z\[]|['"]\s*->>?(?:\s*(?:'|"\$|\[)|[a-z0-9])"#,
        "PostgreSQL cast or JSON operator injection",
    ),
    re(
        4213,
        Sqli,
        1,
        CRITICAL,
        ARGS | PATH,
        View::Sql,
        r"\b(?:order|group)\s+by\s+\d+\s*(?:--|#|/\*|;|,|$)|\blimit\s+\d+\s*,\s*\d+\s*(?:--|#|$)|\bprocedure\s+analyse\b",
        "column enumeration",
    ),
    re(
        4214,
        Sqli,
        1,
        CRITICAL,
        ARGS | PATH,
        View::Sql,
        // `and`/`or` count as keywords between operands, not as the calls of a spreadsheet
        // formula (`IF(AND({Status} != "Done", …), …)`, `=IF(OR(A1="x", B1>2), …)`): a keyword
        // right after `(` or `,` and right before `(` is a function, which SQL has no such of.
        r"\b(?:char|chr|nchar|concat|concat_ws|ascii|ord|hex|unhex|substr|substring|mid|left|right|length|len|lower|upper|cast|convert|coalesce|ifnull|isnull|nullif|iif|elt|make_set|export_set|field|instr|locate|position|version|database|schema|user|current_user|system_user|session_user|db_name|host_name|suser_name|user_name|row_count|found_rows|last_insert_id|json_extract|json_keys|json_value|xmltype|rawtohex|to_char|rpad|lpad|replace|reverse|strcmp|soundex|md5|sha1|sha2|crc32|compress|uncompress|conv|bin|oct|floor|rand|count|sum|avg|min|max|exp|pow|sqrt|abs|mod|if|case)\s*\(.*(?:\b(?:select|from|union|sleep|null)\b|\b(?:or|and)\b\s*(?:[^\s(]|$)|[^\s(,]\s*\b(?:or|and)\s*\()",
        "SQL functions combined with SQL keywords",
    ),
    re(
        4215,
        Sqli,
        1,
        CRITICAL,
        ARGS | PATH,
        View::Sql,
        r#"(?:^\s*|[^\w\s.,?!:]\s*|\d\s+|\b(?:union|all|distinct|or|and|not|exists|in)\s+)select\b\s*(?:\(|\*|@@|null\b|\d+\s*(?:,|from|$)|[\w`"\[\].]+\s*(?:,\s*[\w`"\[\].]+\s*)*from\s+[\w`"\[\].]+\s*(?:where|limit|order|group|--|#|;|$))|\bselect\s+(?:case|if|char|concat|sleep|benchmark|version|user|database|count|top|distinct)\b"#,
        "SELECT statement",
    ),
    re(
        4216,
        Sqli,
        1,
        CRITICAL,
        ARGS,
        View::Sql,
        r"\b(?:alter|drop|create)\s+(?:table|database|user|view|index)\b.*|\bset\s+(?:names|charset|character\s+set)\b|\bshutdown\b\s*(?:with\s+nowait|--|;|$)",
        "charset switch or shutdown",
    ),
    re(
        4217,
        Sqli,
        1,
        CRITICAL,
        ARGS | PATH,
        View::Sql,
        r#"^\s*['"`]?\s*\d*\s*['"`]\s*(?:or|and|\|\||&&|xor|div|like|between|regexp|rlike|sounds\s+like|=|<|>|\+|-|\*|\|)"#,
        "value that closes a string and continues an expression",
    ),
    re(
        4218,
        Sqli,
        1,
        CRITICAL,
        ARGS | PATH,
        View::Sql,
        // `0e1union`, `0e(`: not a hexadecimal token (`W/"0ee8add0a938e1a"`, a hash), whose letters
        // after `0e` are all `a`–`f` digits.
        // `or` and `and` count only glued to the number (`1e1or`, `.1e0and`): the notation lets a
        // keyword follow with no space. After a space they are words of text or maths (`1.e4 or
        // bust`, a chess opening; `lr 1e-3 and 3e-4`), and a number followed by `or 1=1` is the
        // tautology the other rules judge.
        // After `0e` and its hexadecimal-looking run, a keyword or `(` must follow, glued: a
        // random token (a PKCE verifier `…~0eo9B8…`) has `0e` and any letter by chance.
        r"\d+(?:\.\d*)?e[+-]?\d*(?:\s*(?:union|select|from)|or|and)\b|\b\d+\.e\s*\(|\b0e\d*[a-f]*(?:union|select|from|or|and|xor|div|like|rlike|regexp|having|where|limit|order|group|into|\()",
        "scientific-notation obfuscation",
    ),
    re(
        4219,
        Sqli,
        1,
        CRITICAL,
        ARGS,
        View::Sql,
        r"\bmatch\s*\(.*\)\s*against\s*\(|\bmerge\s+into\b|\bexecute\s+immediate\b|\bhaving\s+\d+\s*=\s*\d+|\bhaving\s+\w+\s*(?:=|<|>|like)",
        "MATCH AGAINST, MERGE, EXECUTE IMMEDIATE or HAVING injection",
    ),
    re(
        4220,
        Sqli,
        1,
        CRITICAL,
        ARGS,
        View::Sql,
        // The boundary number is the whole value, or an operand in SQL: after a comparison, in a
        // list, after a keyword. In a register dump or a log line (`LCOUNT : 0xffffffff`) it is
        // a number among others.
        r#"(?:^\s*['"`]?|[=<>(,]|\b(?:or|and|xor|limit|offset|select|having|by|div)\s)\s*-?(?:9223372036854775807|18446744073709551615|2147483647|4294967295|0x7fffffff|0xffffffff)\b"#,
        "integer overflow probe",
    ),
    re(
        4221,
        Sqli,
        2,
        CRITICAL,
        ARGS | PATH,
        View::Sql,
        r#"(?:^|[\s'"`(])(?:or|and|xor|\|\||&&)\s+[\w'"`(@!$.-]+\s*(?:=|<>|!=|<=>|<|>|==)|(?:\|\||&&)\s*\(?\s*[\w'"`]+\s*[=!<>]"#,
        "chained boolean condition",
    ),
    re(
        4222,
        Sqli,
        2,
        CRITICAL,
        ARGS | PATH,
        View::Sql,
        r#"\b(?:char|chr|nchar|concat|concat_ws|ascii|hex|unhex|substr|substring|mid|version|database|schema|current_user|system_user|session_user|db_name|user_name|elt|make_set|export_set|json_extract|xmltype|rawtohex|default|exp|if|ifnull|coalesce|cast|convert|instr|left|right|length|reverse|strcmp|soundex|sleep|rand|floor|count|lpad|rpad|replace|nullif|iif|load_file|name_const|row|values|decode|encode|chr|to_char|utl_raw|pg_\w+|sys\w*|xp_\w+|sp_\w+|extractvalue|updatexml|procedure|analyse|polygon|multipoint|geometrycollection|linestring|multilinestring|multipolygon|st_\w+|gtid_subset|exp|json_keys|uuid_to_bin|bin_to_uuid)\s*\("#,
        "SQL function call",
    ),
    re(
        4223,
        Sqli,
        2,
        CRITICAL,
        ARGS | PATH,
        View::Sql,
        r#"['"`]\s*(?:\|\||&&|\bor\b|\band\b|\bxor\b|\bdiv\b|\blike\b|\bis\b|\bnot\b|\bbetween\b|\bin\b|\bregexp\b|\brlike\b|\bcollate\b|\bsounds\b|=|<|>|!|\^|\+|\*|%|&|\||::)|(?:\|\||&&|=|<|>|\bor\b|\band\b)\s*['"`]\s*$"#,
        "quote adjacent to an SQL operator",
    ),
    re(
        4224,
        Sqli,
        2,
        CRITICAL,
        ARGS | PATH,
        View::Sql,
        r#"\b(?:select|union|insert|update|delete|drop|alter|create|exec|execute|declare|from|where|having|order\s+by|group\s+by|limit|offset|into|values|table|join|as)\b.{0,60}\b(?:select|from|where|union|limit|having|table|into|values|join|order\s+by|group\s+by|null|and|or)\b"#,
        "two SQL keywords in one value",
    ),
    re(
        4225,
        Sqli,
        2,
        CRITICAL,
        ARGS | PATH,
        View::Sql,
        r#"(?:--[\s\-]*$|--[\s\-]*[\r\n]|#\s*$|/\*.*\*/|;\s*--)|\b(?:null|\d+)\s*(?:,\s*(?:null|\d+)\s*){2,}"#,
        "SQL comment sequence or NULL column list",
    ),
    re(
        4226,
        Sqli,
        2,
        CRITICAL,
        ARGS | PATH,
        View::Sql,
        r#"\b0x[0-9a-f]{6,}\b|\bx'[0-9a-f]+'|\bb'[01]+'|\bunhex\s*\(|\bchar\s*\(\s*\d+\s*(?:,\s*\d+\s*)+\)"#,
        "hex or binary encoded literal",
    ),
    re(
        4227,
        Sqli,
        2,
        CRITICAL,
        ARGS | PATH,
        View::Text,
        r#"`[\w\s]*`\s*(?:,|\bfrom\b|\bwhere\b|=|\)|;)|\bfrom\s+`|\border\s+by\s+`"#,
        "backtick-quoted identifiers",
    ),
    re(
        4228,
        Sqli,
        2,
        CRITICAL,
        ARGS | PATH,
        View::Sql,
        r#"['"`]\s*\)+\s*(?:as|from|where|and|or|union|select|;|,|--|#)\b?|\)\s*as\s+\w+\s+from\b|\bin\s*\(\s*select\b|\bexists\s*\(\s*select\b"#,
        "closed subquery or expression",
    ),
    re(
        4231,
        Sqli,
        1,
        CRITICAL,
        // A JSON document's key is the application's own field (a restaurant's `table_name`, a
        // database tool's `SCHEMA_NAME` rows): `named_no_signal`.
        ARGS | PATH,
        View::Sql,
        // The catalogue's column names (`table_name`, `column_name`, `schema_name`,
        // `table_schema`) are the names of ordinary columns too: a venue's seating plan in CSV
        // (`table,table_name,guest`), a CloudFormation template's `TableName`. They count alone
        // as the whole value (a probe) or in a query: selected, concatenated, compared, or
        // followed by `FROM`. The names no application shares (`tempdb`, `msdb`, `sysusers` …)
        // count anywhere.
        concat!(
            r"\bnorthwind\s*\.\s*(?:\.|dbo\b|sys)|\b(?:use|from|join|into)\s+northwind\b|\b(?:tempdb|msdb|master\.\.sys\w*|user_tables|all_users|pg_database|sysdatabases|sysusers|sys\.schemas)\b",
            r"|^\s*(?:schema_name|table_name|column_name|table_schema)\s*$",
            r"|\b(?:select|distinct|concat|group_concat|concat_ws|where|and|or|by)\b[\s(]*(?:schema_name|table_name|column_name|table_schema)\b",
            r"|\b(?:schema_name|table_name|column_name|table_schema)\s*(?:\)\s*)?(?:from\b|(?:=|like\b|in\b)\s*[('\x22]|,\s*(?:schema_name|table_name|column_name|table_schema)\b)",
        ),
        "well-known database or catalogue name",
    ),
    re(
        4232,
        Sqli,
        2,
        CRITICAL,
        ARGS | PATH,
        View::Sql,
        r"(?:\b\d+|'[^']*'|\x22[^\x22]*\x22)\s*(?:\blike\b|\brlike\b|\bregexp\b|<=>|!=|<>|==?|\bis\s+(?:not\s+)?null\b)\s*(?:\d+|'[^']*'|\x22[^\x22]*\x22)?|\bin\s*\(\s*[\w'\x22\s,-]+\)|^\s*(?:\|\||&&|<<|>>|<=>?|>=|<>|!=|==|->|xor|rlike|regexp|is\s+null)\s*$",
        "comparison of literals or bare SQL operator",
    ),
    re(
        4229,
        Sqli,
        3,
        CRITICAL,
        ARGS,
        View::Sql,
        r#"(?:['"`;]|--|/\*|#|\(|\)|=)(?:.*?(?:['"`;]|--|/\*|#|\(|\)|=)){5,}"#,
        "many SQL meta-characters",
    ),
    re(4230, Sqli, 3, CRITICAL, ARGS, View::Sql, r"[^\w\s]{5,}", "repetitive non-word characters"),
    re(
        4233,
        Sqli,
        2,
        CRITICAL,
        VALUES,
        View::Text,
        // A whole value at a 32- or 64-bit integer's bound (2^31 - 1, 2^31, 2^32 - 1, 2^32, 2^63 - 1,
        // 2^63, 2^64 - 1, 2^64, either sign): probing a cast or a column for overflow. A bare
        // number is no address (rule 3503 needs it in a URL).
        r"^\s*[-+]?(?:214748364[78]|429496729[56]|922337203685477580[78]|1844674407370955161[56])\s*$",
        "integer at a 32- or 64-bit bound",
    ),
    // ------------------------------------------------------------------------ XSS (4100–4199)
    Rule {
        id: 4100,
        category: Xss,
        paranoia: 1,
        score: CRITICAL,
        targets: ARGS,
        view: View::Text,
        matcher: Matcher::LibinjectionXss,
        tags: &["libinjection"],
        message: "XSS detected by the HTML5 tokenizer",
    },
    re(4101, Xss, 1, CRITICAL, ALL, View::Text, r"<\s*/?\s*(?:[a-z0-9_-]+:)?script\b|<\s*/\s*script\s*>", "script tag"),
    re(
        4102,
        Xss,
        1,
        CRITICAL,
        ARGS | PATH,
        View::Text,
        concat!(r#"(?:<[^>]*|["'`/\s;])\bon"#, event_names!(), r#"\s*="#),
        "event handler attribute",
    ),
    re(
        4103,
        Xss,
        1,
        CRITICAL,
        ARGS | PATH,
        View::Text,
        r"(?:java|vb|live|ecma|j)\s*s\s*c\s*r\s*i\s*p\s*t\s*:|j\s*a\s*v\s*a\s*s\s*c\s*r\s*i\s*p\s*t\s*:|v\s*b\s*s\s*c\s*r\s*i\s*p\s*t\s*:|data\s*:\s*(?:text/html|text/xml|image/svg|application/(?:x-)?(?:javascript|ecmascript|xhtml))|data\s*:\s*(?:image/svg[^,]*|(?:[^i\s,][^,]*|i(?:[^m,][^,]*)?|im(?:[^a,][^,]*)?|ima(?:[^g,][^,]*)?|imag(?:[^e,][^,]*)?|image(?:[^/,][^,]*)?)?);\s*base64\s*,",
        "script or data URI",
    ),
    re(
        4104,
        Xss,
        1,
        CRITICAL,
        ARGS | PATH,
        View::Text,
        // Active elements are suspect on their own; the formatting elements of rich text
        // (`<p>`, `<a href>`, `<img src>`) only with an event handler, a style or a script URL.
        // An `<input>` or a `<button>` (`<input name="postcode" placeholder="…">`, `<button
        // type="button" aria-expanded="false">`, an accessibility report's or a component's
        // snippet) acts only through its attributes: an event handler, `autofocus`, a source, a
        // style, or `form` and `formaction` (a control that posts elsewhere). Alone it takes input
        // and sends nothing; a `<form>` around it is still suspect on its own, and so are
        // `<textarea>` and `<select>`, which left open swallow the page after them.
        // A tag opens only where a browser's tokenizer opens one, at `<` or `</` followed by a
        // letter: `1 < x < 5 … x > 4` is text. Its name runs to white space, `/` or `>`, as the
        // tokenizer reads it: `<x,y,z>` (SageMath's `R.<x,y,z> = PolynomialRing(…)`) names an
        // element `x,y,z`, none of these; an event handler on it is rule 4102's.
        // The void elements that load or declare (`meta`, `base`, `link`, `source`, `track`)
        // act only through attributes: a bare `<link>…</link>` is a translation's placeholder
        // (react-i18next, FormatJS: `agree to our <link>terms</link>`), and a void element has
        // no content; with any attribute (`<meta http-equiv=…>`, `<link rel=import …>`) they count.
        r#"</?(?:iframe|frame|frameset|object|embed|applet|svg|math|form|isindex|style|xss|xml|import|vmlframe|marquee|bgsound|layer|ilayer|template|portal|animate\w*|set|handler|listener|x|body|textarea|select|details|dialog|video|audio|html|plaintext|xmp|noscript|noembed|blink|picture|canvas|output|textpath|foreignobject|use|feimage)(?:[\s/][^>]*)?(?:>|\s(?:on\w+|src|href|style|action|formaction|data|xlink:href|srcdoc|background|dynsrc|lowsrc|poster|code|codebase|values|to|from|by|attributename)\s*=)|<(?:meta|base|link|source|track)[\s/]+[a-z]|</?(?:input|button|keygen)(?:[\s/][^>]*)?[\s/"'](?:on\w+\s*=|(?:src|style|formaction|form|dynsrc|lowsrc)\s*=|autofocus\b)|<(?:a|img|image|div|span|table|td|tr|h[1-6]|p|b|i|u|s|em|strong|br|hr|font|center|title|li|ul|ol)\b[^>]*[\s/"'](?:on\w+\s*=|style\s*=|(?:src|href|background|dynsrc|lowsrc|action|formaction|data|xlink:href)\s*=\s*['"`]?\s*(?:javascript|vbscript|livescript|data)\s*:)"#,
        "dangerous HTML tag",
    ),
    re(
        4105,
        Xss,
        1,
        CRITICAL,
        ARGS | PATH,
        View::Text,
        // IE's CSS `expression(…)` acts in a style: an attribute, or a declaration's value after
        // `:` (also `{`, `;` before it in a sheet); the same word called elsewhere is a function of
        // a language (R's `main = expression(mu)`, a plot's maths label).
        r#"\b(?:src|href|action|formaction|data|xlink:href|background|dynsrc|lowsrc|poster|code|codebase|srcdoc|to|values)\s*=\s*['"`]?\s*(?:javascript|vbscript|livescript|data|jar|mhtml|view-source)\s*:|\bstyle\s*=[^>]*(?:expression\s*\(|url\s*\(|behavior\s*:|-moz-binding|@import|javascript:)|[:{;]\s*expression\s*\(|-moz-binding\s*:|\bbehaviou?r\s*:\s*url"#,
        "dangerous attribute value",
    ),
    re(
        4106,
        Xss,
        1,
        CRITICAL,
        ARGS | PATH,
        View::Text,
        // A dynamic `import("…")`; Zig's builtin `@import("std")`, in every Zig source file, is none,
        // and neither is a method of that name (`ObjC.import("Foundation")` in JXA, `x.import(…)`):
        // the dynamic import is an expression of its own, never a member.
        // A method `eval()` with nothing to evaluate runs nothing: PyTorch's `model.eval()`
        // switches a module to inference, in every notebook, training script and question about
        // them. The global's `eval()` (a probe, an escaped `\u0065val()`) still counts.
        // Puppeteer's and Playwright's `page.$eval('h1', el => …)` and `$$eval` are the page
        // object's query methods; AngularJS's `$eval(…)` alone (a template's probe) still counts.
        r#"\b(?:alert|prompt|confirm|execscript|msgbox)\s*(?:\(|`|&#|\.call|\.apply)|(?:^|[^$\w])eval\s*(?:\(\s*(?:[^\s)]|$)|`|&#|\.call|\.apply)|(?:^|[^.$\w])\$eval\s*(?:\(|`)|(?:^|[^.\w])eval\s*\(\s*\)|\b(?:document\s*\.\s*(?:cookie|write|writeln|domain|location|body\.innerhtml)|window\s*\.\s*(?:location|open|name|eval)|location\s*\.\s*(?:href|hash|replace|assign)|\.innerhtml\s*=|\.outerhtml\s*=|string\s*\.\s*fromcharcode|top\s*\[|self\s*\[|parent\s*\[|globalthis\s*\[|constructor\s*\(\s*['"`]|fetch\s*\(\s*['"`]?(?:https?:)?//)|(?:^|[^@\w.])import\s*\([ \t]*['"`]"#,
        "JavaScript sink or dangerous call",
    ),
    re(
        4107,
        Xss,
        1,
        CRITICAL,
        ARGS | PATH,
        View::Text,
        r"<!--\s*#\s*(?:exec|include|echo|set|config|fsize|flastmod|printenv|if|elif|else|endif)\b|<!\[cdata\[|<!entity\b|<!doctype\s+\w+\s*\[|<\?xml-stylesheet",
        "server-side include or markup injection",
    ),
    re(
        4108,
        Xss,
        1,
        CRITICAL,
        ARGS | PATH,
        View::Text,
        r#"^\s*['"`]?\s*>\s*<\s*[a-z!/?]|['"`]\s*>\s*<\s*(?:script|svg|iframe|object|embed|math|style|body|meta|base|link|img[^>]*\son\w+)\b|['"`]\s*(?:\)|;)?\s*(?:alert|prompt|confirm|eval)\s*[(`]|\+acwapa|\+adw-|\+ad4-|\+adz-"#,
        "attribute breakout or UTF-7 markup",
    ),
    re(
        4109,
        Xss,
        1,
        CRITICAL,
        ARGS | PATH,
        View::Text,
        // A run that ends in a bracket or `!`: not a diffstat's `++++++++++++++`.
        r"(?:[\[\]()!+]\s*){11,}[\[\]()!]|\$\s*=\s*~\s*\[\s*\]|\[\]\[(?:['\x22]\w+['\x22]|\w+)\]\[",
        "JSFuck or similar obfuscation",
    ),
    re(
        4110,
        Xss,
        1,
        CRITICAL,
        ARGS | PATH,
        View::Text,
        r#"\b(?:window|document|self|top|parent|frames|globalthis|this)\s*(?:\[\s*['"`(]|\.\s*(?:alert|eval|location|cookie|open|document|constructor|__proto__|atob|btoa|fetch|postmessage))|\b(?:alert|prompt|confirm)\s*(?:`|\.\s*(?:call|apply|bind))|\bonerror\s*=\s*\w+|\bthrow\s+onerror\b|\bnew\s+(?:image|xmlhttprequest|activexobject|websocket)\s*\("#,
        "JavaScript global object access",
    ),
    re(
        4111,
        Xss,
        2,
        CRITICAL,
        ARGS | PATH,
        View::Text,
        r"<\s*/?\s*[a-z][a-z0-9:_-]*(?:\s[^>]*)?(?:>|/>|\s*$)|\{\{.*\}\}|\bng-[a-z]+\s*=",
        "HTML tag or client-side template",
    ),
    re(
        4112,
        Xss,
        2,
        CRITICAL,
        ARGS | PATH,
        View::Text,
        r#"\b(?:formaction|srcdoc|xlink:href|xmlns|dynsrc|lowsrc|pattern|autofocus|onfocus|ping)\s*=|\bstyle\s*=\s*['"]?[^'"]*(?:position\s*:\s*(?:absolute|fixed)|url\s*\()"#,
        "disallowed HTML attribute",
    ),
    // ------------------------------------------------------- Local file inclusion (3000–3099)
    re(
        3000,
        Lfi,
        1,
        CRITICAL,
        ALL | URI,
        View::Path,
        // A Markdown link's target one level up (`[retries](../retries.md)`) is a link, not a path
        // the application opens; a second `../` still matches after its `/`. Three dots that end
        // a value after a slash are Go's and Bazel's wildcard for every package below
        // (`./...`, `//media/...`), which names no step up; `/.../` still counts.
        r"(?:^|[/=\s:'\x22,;]|[^\]]\(|^\()\.{2,}/|/(?:\.{2}|\.{4,})$|/\.{2,}/|(?:\.|0x2e|%2e){2}(?:0x2f|0x5c|%2f|%5c)|(?:0x2f|0x5c)(?:\.|0x2e){2}|\.{3,}/",
        "path traversal",
    ),
    re(
        3001,
        Lfi,
        1,
        CRITICAL,
        ALL,
        View::Path,
        // Under `/var/` only from the root: a relative `var/log/app/…` is a key in a bucket or a
        // path in the application's own tree. `.env.example`, `.env.sample`, `.env.template` and
        // `.env.dist` are the templates a repository commits in place of its `.env`: no secret.
        // A dotted name after `{` and a space is a Go template's field (`{{ .env }}`,
        // `{{ .Env.GITHUB_TOKEN }}` in a Helm chart or a release config), not a file.
        // In a home directory (`/root/…`, `/home/u/…`) the dotfiles that hold secrets or a
        // history count, by name; a package manager's cache (`/root/.npm`, `/home/runner/.gradle`,
        // a Dockerfile's cache mount) holds none.
        // A database's or Docker's data directory is a mount point in a Compose file, a `df -h`
        // in a runbook, an alert's fact (`Mount: /var/lib/postgresql`): no file is read there. The
        // MySQL system schema's files (`/var/lib/mysql/mysql/user.MYD`, its password hashes) are.
        r"/var/(?:log/|run/secrets|lib/mysql/mysql/)|(?:^|/|\s|=|:|\b)(?:etc/(?:passwd|shadow|group|gshadow|hosts|hostname|issue|motd|crontab|sudoers|fstab|mtab|profile|bashrc|resolv\.conf|ssh/|security/|pam\.d|apache2?/|nginx/|httpd/|mysql/|php[0-9.]*/|ld\.so|init\.d|rc\.d|inittab|environment|network|os-release|lsb-release|redhat-release|master\.passwd|pwd\.db|spwd\.db|aliases|exports|inetd\.conf|xinetd|cron|anacrontab|logrotate|nsswitch|modules|sysctl|timezone|localtime|machine-id|vsftpd|proftpd|samba|ldap|krb5)|proc/(?:self|\d+|thread-self)/(?:environ|cmdline|maps|mem|fd|cwd|exe|root|status|stat|mounts|net)|proc/(?:version|cpuinfo|meminfo|mounts|net/)|usr/local/(?:etc|apache|nginx)|windows/(?:win\.ini|system\.ini|system32|repair|panther)|winnt/|boot\.ini|win\.ini|system32/|inetpub/|autoexec\.bat|config\.sys)|(?:^|[^~]/|[=:'\x22]|(?:^|[^{])\s)\.(?:htaccess|htpasswd|htdigest|bash_history|bash_profile|bashrc|bash_logout|zsh_history|zshrc|profile|ssh/|aws/|kube/|docker/|npmrc|pypirc|netrc|pgpass|my\.cnf|git-credentials|gitconfig|mysql_history|psql_history|python_history|sqlite_history|rediscli_history|node_repl_history|lesshst|viminfo|gnupg/|password-store|vnc/|azure/|config/gcloud|terraform\.d/|env(?:$|[^\w.]|\.(?:[^\Wedst]|e(?:[^\Wx]|x[^\Wa])|s(?:[^\Wa]|a[^\Wm])|t(?:[^\We]|e[^\Wm])|d(?:[^\Wi]|i[^\Ws]))))|(?:^|/|\s|=|:|\b)(?:id_(?:rsa|dsa|ecdsa|ed25519)\b|authorized_keys|known_hosts|web\.config|wp-config\.php|localsettings\.php|configuration\.php|settings\.php|config\.inc\.php|database\.yml|credentials\.json|secrets\.ya?ml|applicationhost\.config|php\.ini|httpd\.conf|nginx\.conf|tomcat-users\.xml|server\.xml|web\.xml|jboss|weblogic\.xml|/WEB-INF/|/META-INF/)",
        "access to an operating-system or secret file",
    ),
    re(
        3002,
        Lfi,
        1,
        CRITICAL,
        PATH,
        View::Path,
        // A dot-directory but `.well-known/` and `.github/` (a repository's workflows and
        // templates, in every code host's contents API: `/contents/.github/workflows/ci.yml`).
        r"/\.(?:[a-fh-vx-z_]|g(?:[^i]|i(?:[^t]|t(?:[^h]|h(?:[^u]|u(?:[^b]|b(?:[^/]|$)|$)|$)|$)|$)|$)|w(?:[^e]|e[^l]|$)|$)|/(?:web-inf|meta-inf)(?:/|$)|~$|\.(?:bak|backup|old|orig|save|swp|swo|tmp|temp|sav|dist|copy|~[0-9]*)$|/(?:claude|cursor|copilot|aider|windsurf|codex|gemini|cline|roo|continue|kiro|agents?)\.(?:md|json|ya?ml|toml)$",
        "hidden, backup or tooling file in the path",
    ),
    re(
        3003,
        Lfi,
        2,
        CRITICAL,
        HEADER,
        View::Path,
        r"(?:^|[/\s=:])(?:etc/(?:passwd|shadow|hosts|group)|proc/self/|boot\.ini|win\.ini|\.htaccess|\.htpasswd|\.env|\.git/|id_rsa)",
        "operating-system file in a header",
    ),
    // ------------------------------------------------------ Remote file inclusion (3100–3199)
    re(
        3100,
        Rfi,
        1,
        CRITICAL,
        VALUES,
        View::Text,
        r"^\s*(?:https?|ftps?|php|data|file|gopher|dict|ldap|jar|sftp|tftp|smb|ssh2?)\s*:\s*//\s*(?:\[[0-9a-f:.]+\]|\d{1,3}(?:\.\d{1,3}){3})(?:[:/?#]|$)",
        "URL with an IP address as host",
    ),
    re(
        3101,
        Rfi,
        1,
        CRITICAL,
        VALUES,
        View::Text,
        // A script's URL with a query of `name=value` pairs is a link to a dynamic page
        // (`…/view.pl?id=1042&lang=en`): an included file's own query is never read, so the trick
        // leaves it empty or junk (`shell.txt?`, `shell.txt?x`).
        r"^\s*(?:https?|ftps?)\s*:\s*//[^\s]*\?+\s*$|^\s*(?:https?|ftps?)\s*:\s*//[^\s]*(?:\.(?:txt|php\d?|phtml|pl|py|cgi|sh|jsp|asp|aspx)\?[^\s=]*$|%00$|\x00)",
        "URL with a trailing question mark or script file (inclusion trick)",
    ),
    re(
        3102,
        Rfi,
        1,
        CRITICAL,
        ARG_VALUE | ARG_NAME | URI,
        View::Text,
        r"(?:^|[?&])?(?:mosconfig_\w+|_conf\[\w*\]|include_?path|gallery_basedir|phpbb_root_path|sourcedir|appserv_root|path\[docroot\]|settings\[\w+\]|globals\[\w+\]|dir\[\w+\]|lang_path|root_path|abs_path|base_path|basepath|absolute_path|config\[\w+\]|cfg\[\w+\])\s*=?\s*(?:https?|ftps?|php|data)\s*:",
        "known inclusion parameter with a URL",
    ),
    re(
        3103,
        Rfi,
        1,
        CRITICAL,
        VALUES,
        View::Text,
        // The whole value is one URL-shaped word, a scheme (and maybe more), ending in `?`: what
        // is appended after the include is cut off as a query string. A question in words
        // (`http or https?`) has spaces; a link with a query has something after the `?`.
        r"^\s*(?:https?|ftps?|file)(?::[^\s?]*)?\?+\s*$",
        "URL-shaped value ending in a question mark (inclusion trick)",
    ),
    // -------------------------------------------------------------- Command injection (3200–3299)
    re(
        3200,
        Rce,
        1,
        CRITICAL,
        VALUES | PATH,
        View::Shell,
        // A backtick after a backtick is a Markdown fence (```` ```sh ````), not a substitution.
        concat!(
            r"(?:[;&|\n\r]|(?:^|[^`])`|\$\(|\|\||&&|<\(|>\()\s*(?:[\w/.-]*/)?",
            strict_cmds!(),
            r"(?:\s|$|[;&|<>`)]|\.exe\b)"
        ),
        "shell command after a command separator",
    ),
    re(
        3201,
        Rce,
        1,
        CRITICAL,
        VALUES | PATH,
        View::Shell,
        concat!(
            r"\$\(\s*[a-z/.~]|(?:^|[^`])`\s*(?:[\w/.-]*/)?",
            strict_cmds!(),
            r"\b[^`]*`|",
            // `${name:/…}` expands nothing: its offset `/…` is an arithmetic syntax error to a shell
            // (a URI-style placeholder, `${e://Field/department}` in a survey's piped text).
            // `${name:word}` (an offset that is a plain name, no length) expands to `$name` whole, as
            // an IAM policy's `${aws:username}` or a connector's `${vault:secret/db:password}` reads
            // to a shell: no more than a variable. An offset or a length given as a number
            // (`${PATH:0:1}`, `${PATH:a:1}`), one that substitutes, and an address after the name
            // (`${jndi:ldap://…}`) count.
            r"\$\{[a-z_]+(?:[#%/][^}]*|:(?:[^/}a-z_][^}]*|[a-z_][^}:$(`]*(?::\d|:/|[$(`])[^}]*)?)\}|<<<\s*\S|\$\(\(.*\)\)"
        ),
        "command or parameter substitution",
    ),
    re(
        3202,
        Rce,
        1,
        CRITICAL,
        VALUES | PATH,
        View::Shell,
        // The output sinks (`/dev/null`, `/dev/stdout`, `/dev/stderr`) count with anything around
        // them (`> /dev/null`, `| tee /dev/stderr`); alone they are a log or output setting
        // (`"accessLogFile": "/dev/stdout"`), which reads nothing and runs nothing.
        // A program's path that is the whole value of a JSON or XML document's field is no
        // signal (`mod.rs`, `named_no_signal`).
        r"(?:^|[\s;&|`(=<>'\x22])/(?:usr/(?:local/)?)?s?bin/[a-z0-9_.+-]+|/dev/(?:tcp|udp|shm|zero|random|urandom|stdin|fd)\b|(?s:.)/dev/(?:null|stdout|stderr)\b|/dev/(?:null|stdout|stderr)(?s:.)|\b(?:bash|sh|zsh|ksh)\s+-[ic]\b|\bmkfifo\b|\bnc(?:at)?\s+(?:-[a-z]+\s+)*[\w.-]+\s+\d+|>\s*&\s*\d|\d\s*>\s*&\s*\d",
        "shell binary path, device file or reverse shell",
    ),
    re(
        3203,
        Rce,
        1,
        CRITICAL,
        VALUES | PATH,
        View::Shell,
        r"\b(?:cmd(?:\.exe)?\s*/[ck]\b|(?:powershell|pwsh)(?:\.exe\b|\s+[-/]\w|\s*[{('\x22$&])|\biex\s*\(|invoke-(?:expression|webrequest|command|restmethod|item|wmimethod)|new-object\s+(?:net\.webclient|system\.)|downloadstring|downloadfile|start-process|get-(?:content|childitem|process|wmiobject|item)|set-(?:content|item|executionpolicy)|certutil(?:\.exe)?\s+-|bitsadmin(?:\.exe)?\s+/|rundll32(?:\.exe)?\s|regsvr32(?:\.exe)?\s|mshta(?:\.exe)?\s|wmic(?:\.exe)?\s|net(?:\.exe)?\s+(?:user|localgroup|share|view|use)\b|reg(?:\.exe)?\s+(?:add|query|delete|save)\b|schtasks\b|vssadmin\b|-encodedcommand\b|-enc\s+[a-z0-9+/=]{8,}|-e(?:c|nc)?\s+-?nop\b|-noprofile\b|-executionpolicy\b|-windowstyle\s+hidden)",
        "Windows command or PowerShell",
    ),
    re(
        3204,
        Rce,
        1,
        CRITICAL,
        ALL,
        View::Text,
        // `() {` after a name, even with a space between, and a body not closed by `};`: a function
        // in code (`fn main() {`, `function () {\n  f();\n});`) is not an environment variable
        // that Bash imports as a function (`() { :;};`, a fork bomb `f(){ f|f& }` still are).
        r"(?:^|\W)\s*\(\s*\)\s*\{[^}]*\}\s*;|(?:^|[^\w\s)])\s*\(\s*\)\s*\{[^}]*\}?\s*;|:\s*\(\s*\)\s*\{\s*:\s*\|\s*:\s*&\s*\}|\(\s*\)\s*\{\s*\w+\s*\|\s*\w+\s*&|\(\s*\)\s*\{\s*\w+(?:\s*\(\s*\))?\s*[&|]\s*\w+",
        "shellshock function definition or fork bomb",
    ),
    re(
        3205,
        Rce,
        1,
        CRITICAL,
        VALUES | PATH,
        View::Shell,
        // The glob ends the word: `/e?c/p?ss?d`, not the query string of `/dashboard?tab=billing`.
        // A bare `/*` and a space that open the value open a comment (`/* History */ …`, the
        // section a wiki edit summary names); after a word (`rm -rf /* `, `9999 or /* x */`) or
        // before anything else (`/*;`) it is a glob, all of the root.
        // An XPath step's predicate is no bracket glob: a glob followed by a function's `(`
        // (`//span[contains(@class,'y')]`) or by an attribute compared (`//div[@class='x']`,
        // `@aria-label=`) is none; `/e[@t]c` (`@`, letters, `]`) still is.
        // A `?` after `/*` that starts a query (`Disallow: /*?sort_by=` in a robots.txt, a CDN
        // rule's `/*?utm_source=`) is none: `/*?` before anything but a name and `=` still is.
        // A `:` after the pattern ends a scheme or an address, not a path: `/^https?:` opens a
        // regular expression literal for URLs, `//[::1]:8080` is an IPv6 loopback address.
        // A step whose predicate holds a step with a position (`//tr[td[3]]`, XPath) is no bracket
        // glob either: a glob's bracket holds characters, not another bracket and a number.
        // A relative glob's first segment is a word of letters spelled with wildcards (`e?c/`,
        // `b*n/`): a wildcard glued to an identifier's `_` or digit (`prj_*/staging/*`, a policy's
        // resource pattern; `team42*/`) names no system directory.
        r"^/\*(?:$|[^a-z0-9_=%.\s?-]|\?(?:$|[^a-z_]|[a-z_]+(?:$|[^a-z0-9_=])))|[\s;&|`(=/]/\*(?:$|[^a-z0-9_=%.?-]|\?(?:$|[^a-z_]|[a-z_]+(?:$|[^a-z0-9_=])))|(?:(?:^|[\s;&|`(=/])(?:/[a-z?*\[\]]+[?*\[]|/[?\[]|/\*[a-z?*\[\]/])[a-z?*\[\]/]*|(?:^|\W)[a-z]+[?*]+[a-z]*/[a-z?*]+|(?:^|[\s;&|`(=])/[a-z]+/[a-z]*\?[a-z?]*)(?:$|[^a-z0-9_=%.@(\[:-]|\[(?:$|[^0-9])|@(?:[^a-z-]|[a-z-]+(?:$|[^a-z=-])))",
        "glob-obfuscated path",
    ),
    re(
        3206,
        Rce,
        1,
        CRITICAL,
        VALUES,
        View::Text,
        // A user's folder that starts a path (`%APPDATA%\app\logs`) is a place a file API does not
        // expand, as `~/` is; the variable alone, or the system's folders, are batch syntax.
        // Batch's `do` follows the `)` that closes a FOR's set (`for %f in (*) do echo %f`); a
        // shell loop's follows `;` or a line break (`for f in *.log; do echo "$f"; done`).
        // An IF that compares two words runs a command on its line (`IF red==red echo test`,
        // `if "!v!" == "x" @echo ok`, `IF [%1]==[/?] ...`) or ends the value; a condition followed
        // by a template's close (`{% if order.status == 'partial' %}`, `-%}`, `%>`, AMPscript's
        // `]%%`), `then` (AMPscript, Lua), `and`/`or`, a block's `{` (Go, Rust) or the line's end
        // (Python's `if n == 0:`) is another language's.
        r"(?:^|[\s&(@])(?:for\s+/[dflr]\b.*\bin\s*\(|for\s+%%?[a-z]\s+in\s*\(|if\s+(?:not\s+)?(?:(?:exist|defined|errorlevel)\b|\x22?%[^%]+%\x22?\s*==|[^\s(]\S*\s*==\s*\S*[^\s:](?:\s*$|[ \t]+(?:[^\s%\-\]{aot]|%(?:$|[^}>])|-(?:$|[^%])|\](?:$|[^%])|a(?:$|[^n]|n(?:$|[^d])|nd\w)|o(?:$|[^r]|r\w)|t(?:$|[^h]|h(?:$|[^e])|he(?:$|[^n])|hen\w)))|\([^()\s]*\)\s*==)|if\s+/i\b)|\)\s*do\s+(?:@?echo|set|call|cmd|start)\b|%(?:comspec|systemroot|windir|path)%|%(?:programfiles|appdata|temp|userprofile|homepath)%(?:[^\\/]|$)",
        "Windows batch FOR/IF or environment variable",
    ),
    re(
        3207,
        Rce,
        1,
        CRITICAL,
        VALUES | PATH,
        View::Shell,
        concat!(
            r"(?:^|[;&|`\n]|\$\(|\|\||&&)\s*",
            unix_cmds!(),
            r"\s+(?:-{1,2}[a-z0-9][\w=-]*|/[\w./-]*|~|\.\.?/|[\w.-]+\.(?:sh|py|pl|rb|php|txt|conf|log|xz|gz|tar|zip|json|xml)\b|\$\w+|\*)"
        ),
        "command with options or a path after a separator",
    ),
    re(
        3208,
        Rce,
        1,
        CRITICAL,
        VALUES | PATH,
        View::Shell,
        // A brace list right after `.` or `*` is a file pattern (`*.{js,ts}`), not a command spelled
        // without spaces (`;{cat,/etc/passwd}`, `c{a,oun}t`); `~+` is `$PWD` (or `~+5` the directory
        // stack) only as a word of its own (`cat ~+/x`), not inside a regular expression's class
        // (`[a-z._~+/-]`), nor before a decimal fraction (`~+0.004`, an approximate change:
        // Bash expands `~+N` only for a whole number N, and leaves `~+0.004` as it is).
        // A brace list standing alone is a command only when its first word is a command or a
        // path (`{cat,/etc/passwd}`, `{/bin/sh,-c,id}`); glued to the rest of a word it spells
        // one (`c{a,oun}t`, `{ca,}t`, `/bin/ca{t,}`). Alone (after white space, a separator or
        // `(`, `,`, `=`, `:`, `{`) and of plain words it is a set written in prose or a field's
        // choices (`filing status {single,mfj}`, `{en,fr}`).
        concat!(
            r"[^\s.*;|&(`,=:{]\{\s*[a-z/.]+\s*,[^}\s]*\}|(?:^|[^.*])\{\s*[a-z/.]+\s*,[^}\s]*\}[a-z0-9_/]|(?:^|[\s;|&(`,=:{])\{\s*(?:[/.][a-z/.]*|",
            unix_cmds!(),
            r")\s*,[^}\s]*\}|\$\{?ifs\}?|\$\{\w*#|\$\{!?\w+\}\w*/|\$[@*0-9]|(?:^|[\s;|&(`=])~\+(?:[/\s]|\d+(?:$|[^\d.]|\.(?:$|\D))|$)|\$\s*\(\s*<"
        ),
        "brace expansion, IFS or positional-parameter evasion",
    ),
    re(
        3209,
        Rce,
        1,
        CRITICAL,
        VALUES | PATH,
        View::Text,
        // An event starts the value or follows a command separator (`!!`, `;!-2`): between words
        // (`! Markup !! Result` in a wiki table, `great !! thanks`) it is punctuation, which
        // a shell expands only when typed at its prompt. A value that is `!` and a word alone is
        // a negation (`!test`, a Liquibase context; `!draft`) or CSS's `!important`, not an
        // event; with arguments (`!cat /etc/passwd`, a notebook's shell escape) or a modifier
        // (`!ca:s/l/t/`) it still is.
        // After `:` a word designator (`:0`, `:$`, `:*`) or a modifier (`:p`, `:h`, `:s/a/b/`,
        // `:gs/a/b/`): `!browser:safari` is a negated `field:value` filter, not an event.
        r"(?:(?:^\s*|[;&|`]\s*)!(?:-?\d+|!|\?[a-z]+\??)|[;&|`]\s*![a-z]+)(?:\s|$|:(?:[0-9^$*%-]|[htrepqx&](?:[\s:]|$)|[ag]?s[^\w\s]|g&))|^\s*![a-z]+(?:\s|:(?:[0-9^$*%-]|[htrepqx&](?:[\s:]|$)|[ag]?s[^\w\s]|g&))|\bhistory\s+-[cwr]|\bfc\s+-[els]",
        "shell history expansion",
    ),
    re(
        3210,
        Rce,
        1,
        CRITICAL,
        FILENAME | VALUES,
        View::Text,
        r"(?:^|[^~]/)\.(?:bashrc|bash_profile|bash_login|bash_logout|profile|zshrc|zprofile|zlogin|cshrc|tcshrc|kshrc|login|logout|inputrc|htaccess|htpasswd|user\.ini|git/(?:config|hooks/\w+)|ssh/authorized_keys)$|^(?:php\.ini|web\.config|\.env|authorized_keys)$",
        "upload of a shell start-up or server configuration file",
    ),
    re(
        3211,
        Rce,
        1,
        CRITICAL,
        VALUES | PATH,
        View::Shell,
        concat!(
            r"^\s*",
            unix_cmds!(),
            r"\s+(?:-{1,2}[a-z0-9][\w=-]*|/[\w./*?-]*|~/|\.\.?/|\$\w+|\*|[a-z0-9.-]+\.[a-z]{2,}(?:\s|$)|\d{1,3}(?:\.\d{1,3}){3}|<|>|\|)"
        ),
        "value that starts with a command line",
    ),
    re(
        3212,
        Rce,
        2,
        CRITICAL,
        VALUES | PATH,
        View::Shell,
        // A client's product token (`curl/8.5.0`, `python-requests/2.32.3`: a name, maybe
        // hyphenated, then `/` and a version) and an assignment (`sort=-updated`, a query
        // string's parameter) are not the command; `ansible-config dump`, `python3.10 x`,
        // `cat/etc/passwd` and `cmd.exe` are.
        // At the start of a value the word must be run: an argument after a space, a separator,
        // a redirection or a substitution follows it (`time;`, `nohup sh`, `vi<x`, `python3.10
        // cmd`). A value that is the word alone or the word before other punctuation names a tool
        // or a field (`python`, `node`, `?fields=id,name`, `service: api`); after a separator it
        // runs as before.
        concat!(
            r"(?:[;&|`\n]|\$\(|\|\||&&)\s*",
            unix_cmds!(),
            r"(?:\.exe)?(?:$|[^\w/=-]|/(?:\D|$)|-[\w.-]*(?:[^\w./-]|$))",
            r"|^\s*",
            unix_cmds!(),
            r"(?:\.\d+)*(?:\.exe)?(?:\s+\S|[;&|<>`$(]|/(?:\D|$)|-[\w.-]*(?:[^\w./-]|$))",
            // Alone, a word that only asks the system who and where it is (`'wh'oami`, quotes
            // split to slip past a list of words).
            r"|^\s*(?:whoami|ifconfig|ipconfig|uname|netstat|systeminfo|tasklist)(?:\.exe)?\s*$"
        ),
        "shell command word after a separator or at the start",
    ),
    re(
        3213,
        Rce,
        2,
        CRITICAL,
        VALUES,
        View::Text,
        r"(?:^|\n)\s*(?:mail\s+from\s*:|rcpt\s+to\s*:|data\s*$|ehlo\s|helo\s|vrfy\s|expn\s|auth\s+(?:login|plain)|starttls\s*$)|(?:^|\n)\s*[a-z0-9]{1,8}\s+(?:login|select|examine|create|delete|rename|subscribe|list|lsub|status|append|check|close|expunge|search|fetch|store|copy|uid|capability|noop|logout|authenticate)\s|(?:^|\n)\s*(?:user|pass|stat|list|retr|dele|noop|rset|quit|top|uidl|apop)\s+\S",
        "SMTP, IMAP or POP3 command",
    ),
    re(
        3214,
        Rce,
        2,
        CRITICAL,
        VALUES,
        View::Sql,
        r"\battach\s+database\b|\bload_extension\s*\(|\bpragma\s+\w+|\.(?:shell|system|import|output|load)\s",
        "SQLite system command",
    ),
    re(
        3215,
        Rce,
        2,
        CRITICAL,
        VALUES | PATH,
        View::Shell,
        r"\|\s*(?:[\w/.-]*/)?(?:sh|bash|zsh|ksh|python[23]?|perl|ruby|php|node|nc|ncat|netcat|base64|xxd|awk|sed|tee|xargs|cat|head|tail|grep|sort|curl|wget)\b",
        "pipe into an interpreter or text tool",
    ),
    re(
        3216,
        Rce,
        2,
        CRITICAL,
        HEADER,
        View::Shell,
        concat!(r"(?:^|[;&|`\s]|\$\()", unix_cmds!(), r"\s+(?:-[a-z]+|/[\w./-]+|[\w.-]+\.[a-z]{2,})"),
        "command line in a header",
    ),
    re(
        3217,
        Rce,
        3,
        CRITICAL,
        VALUES | PATH,
        View::Text,
        r#"[a-z]['"\\^]+[a-z]|\$[@*]\w|\w\$\{?[a-z_]*\}?\w"#,
        "quote or escape evasion inside a word",
    ),
    re(
        3218,
        Rce,
        1,
        CRITICAL,
        VALUES,
        View::Shell,
        r#"(?:^|[;&|(])\s*for\s+(?:/[dlrf]\s+(?:\S+\s+)?)?%%?[a-z~]\w*%?\s+in\s*\([^)]*\)\s*do\b|(?:^|[;&|(])\s*if\s+(?:not\s+)?(?:/i\s+)?(?:cmdextversion\s+\d+|errorlevel\s+\d+|exist\s+\S+|\(?\s*\S+\s+(?:equ|neq|lss|leq|gtr|geq)\s+\S+?\s*\)?)\s+(?:echo|goto|call|set|exit|start|cmd|del|copy|type)\b"#,
        "Windows batch loop or conditional",
    ),
    re(
        3219,
        Rce,
        1,
        CRITICAL,
        VALUES,
        View::Shell,
        r"[;&|`]\s*(?:iwr|iex|irm|iwmi|icm|saps|invoke-(?:webrequest|expression|restmethod|wmimethod|command)|start-process|new-object\s+(?:system\.)?net\.webclient)\b",
        "PowerShell command after a command separator",
    ),
    re(
        3220,
        Rce,
        1,
        CRITICAL,
        VALUES,
        View::Text,
        r"/(?:etc|s?bin|usr|proc|dev)(?:/[\w.*?\[\]!^-]*)*\[[!^]?[\w.-]{1,12}\]",
        "glob pattern hiding a system path",
    ),
    re(
        3221,
        Rce,
        1,
        CRITICAL,
        VALUES,
        View::Shell,
        r"[<>]\(\s*(?:tee|cat|sh|bash|nc|ncat|curl|wget|python[23]?|perl)\b",
        "shell process substitution",
    ),
    // --------------------------------------------------------------- PHP injection (3300–3399)
    re(
        3300,
        Php,
        1,
        CRITICAL,
        ARGS | PATH,
        View::Text,
        r"<\?(?:php\b|=|\s)|\[\s*php\s*\]|<\s*script\s+language\s*=\s*['\x22]?php",
        "PHP open tag",
    ),
    re(
        3301,
        Php,
        1,
        CRITICAL,
        ARGS | PATH,
        View::Sql,
        // An index after the name is PHP only with more than a name in it: `include[]=author` and
        // `file[0]` are array parameters; `system['id']` is not one. After a space, a list of
        // numbers is a list (`AssertionError: assert [101, 102] == [100, 101, 102]`, pytest's
        // report), not an index.
        // With a space before `(`, what follows must read as PHP arguments (a quote, `$`, a digit,
        // a call, a constant followed by an operator or `)`): `e-mail (no gmail/yahoo)` is prose.
        // No PHP expression starts with a comparison (`<`, `>`, `=`) but a heredoc (`<<<`):
        // `12.1 g/dL (< 12.5)` is a measurement. A number after the space is a count or a date
        // (`file (2).pdf`, a download's copy; `file (2025-06-14)`): none of these functions does
        // harm with a number, and a call that builds a payload from numbers (`chr (47)`) is the
        // argument of one that would, which reads as a call. A name glued to a hyphen and a letter is a
        // compound word (`pack (e-bike)`, `file (x-ray)`), not a constant minus a constant. A
        // constant followed by `#` comments out the rest of the call: `e-mail (ticket #58812)`.
        // A name before a quote, backtick or `$` is a call without parentheses (PHP's `include"…"`,
        // Perl's `system 'id'`), unless a hyphen joins it to the word before: `"wl-copy"` in a tmux
        // configuration ends a quoted command name. A name in quotes before `:`, `,` or `}` is a key
        // or a member of a JSON document held in a string (GraphQL's multipart `{"variables":
        // {"file": null}}`, `"type": "file",`); before anything else it may be called
        // (`("system")("id")`, `(['system'])[0]('uname')`). The last step of a dotted path
        // (the multipart `map` field's `["variables.file"]`) is a member's name, not a call.
        // `(s)` or `(es)` glued to the name is English's optional plural (`removed 1 file(s)`,
        // `copy(s)` in a log or a form's help text): a call of a bare constant `s` does nothing.
        concat!(
            r"\b",
            php_funcs!(),
            r"(?:\((?:[^se]|s(?:[^)]|$)|e(?:[^s]|s(?:[^)]|$)|$)|$)|\s+\(\s*(?:[^a-z_\s<>=0-9]|<<<|[a-z_]\w*(?:[^\w\s-]|-(?:[^a-z]|$)|\s+[^\w\s#]|\s*$)|$)|\s*(?:/\*|#)|\[(?:[^\]\w]|\w+[^\w\]])|\s+\[\s*(?:[^\]\w\s]|[a-z_]\w*[^\w\]]|\d[\d.]*\s*[^\d.,\s\]]))",
            r"|(?:^|[^\w\x22'`.-]|\W\.)",
            php_funcs!(),
            r"\s*[\x22'`$]|[\x22'`]",
            php_funcs!(),
            r"\s*(?:\$|[\x22'`]\s*(?:[^\s:,}]|$))"
        ),
        "PHP function call",
    ),
    re(
        3302,
        Php,
        1,
        CRITICAL,
        ARGS | PATH,
        View::Text,
        r"\$_(?:get|post|cookie|request|server|files|env|session)\b|\$globals\b|\$http_raw_post_data|\$php_\w+|php://(?:input|stdin|filter|memory|temp|fd|output)",
        "PHP superglobal or I/O stream",
    ),
    re(
        3303,
        Php,
        1,
        CRITICAL,
        ARGS | PATH,
        View::Text,
        // An object (`O:8:"stdClass":…`, also with a sign: `O:+8:`) acts; an array or string of
        // scalars is data and scores as a warning (`context::php_object`).
        r#"\b[ocr]:\+?\d+:"[^"]+":\+?\d+:\{|\ba:\d+:\{[sibdaon]:|\bs:\d+:"[^"]*";"#,
        "serialized PHP object",
    ),
    re(
        3304,
        Php,
        1,
        CRITICAL,
        ARGS | PATH,
        View::Text,
        r"\b(?:php|phar|zip|zlib|glob|expect|ogg|rar|ssh2(?:\.\w+)?|compress\.(?:zlib|bzip2))://",
        "PHP stream wrapper",
    ),
    re(
        3305,
        Php,
        1,
        CRITICAL,
        ARGS | PATH,
        View::Sql,
        // A call's argument does not start with a backslash: `$p(\theta)` is LaTeX. A name called
        // in parentheses is a variable, a quoted string, a PHP function (`(system)(id)`) or a
        // constant given a string or variable (`(x)('uname')`), not an enumeration
        // (`§ 1798.100(a)(1)`). `${…}` is code at the start of the value, glued to what precedes
        // or follows it (`c${x}url`, `${f}(1)`), inside a tagged template literal (``call`${x}` ``)
        // or holding more than a name (`${system('id')}`, `${'_GET'}`); a placeholder set in text
        // after a space, quote, slash, `:`, `=`, `-` or `@` is not (`© ${year} ${company}.`, `due on
        // ${date, date, long}`, `--set image.tag=${GIT_SHA}`, `` `inv-${id}` `` formatting a string,
        // a SIP address's domain in a PBX dialplan, `user/1001@${domain_name}`).
        concat!(
            r#"\$[a-z_]\w*\s*(?:\[[^\]]*\]\s*|\{[^}]*\}\s*)*\((?:[^\\]|$)"#,
            r#"|\(\s*(?:['"]\$?\w+['"]|\$\w+|"#,
            php_funcs!(),
            r#"\b)\s*(?:\.\s*['"]?\$?\w+['"]?\s*)*\)\s*\("#,
            r#"|\(\s*\w+\s*(?:\.\s*['"]?\$?\w+['"]?\s*)*\)\s*\(\s*['"$]"#,
            // A quoted name before words in parentheses (`'Pfad' (too narrow)`, a glossary's note)
            // is no call: PHP puts no bare word after a bare word but after a keyword (`new`,
            // `print`, `include` …); `'system'('id')`, `'assert'(phpinfo())`, `'f'(new X)` are
            // calls. A quoted name called with one bare word (`'system' (id)`) is a call only when
            // it names a PHP function: a cultivar's `radish 'Sango' (purple)` calls nothing.
            r#"|['"][a-z_]+['"]\s*\(\s*(?:[$'")]"#,
            r#"|(?:new|clone|print|echo|include|include_once|require|require_once|fn|function|static|yield|throw|match|list|array|isset|empty|eval|exit|die)\s)"#,
            r#"|['"]"#,
            php_funcs!(),
            r#"['"]\s*\(\s*[a-z_]\w*(?:[^\w\s]|\s*$|\s+[^\s\w]|\s+\d)"#,
            // A positional number glued to a name is a snippet's tab stop (`Test${1:Name}(`), unless
            // a letter follows it too: `c${1}url` splits a command name. So is one called
            // (`${1}(tc.in)`): PHP sets no variable named by a number.
            // `${name:…}` is no PHP expression (a parse error): a URI-style placeholder, an IAM
            // policy's `${aws:username}`; a class's member (`${A::$b}`) is one.
            // A dotted property path alone (`${mapstruct.version}` in a Maven POM, `${app.name}`)
            // reads a configuration property; a call or operator after its names is code.
            // A character outside ASCII glued before it is a format string's glyph (a prompt
            // theme's `⇡${count}`), not a word it splits.
            r#"|(?:^\s*|[^\s("'/:=@\x80-\xff-])\$\{\s*(?:['"]?[a-z_]\w*(?:[^\w:.]|::|:?$)|['"]\d|\d[^}]*\}[a-z])"#,
            r#"|\$\{\s*(?:['"]\w|\w+\s*(?:[^\w\s},:.]|(?:\.\s*\w+\s*)+[^\w\s},:.]))"#,
            r#"|\$\{\s*\d+\s*\}\w|\$\{[\w\s.,]*[a-z_][\w\s.,]*\}[\w(]|[\w)\]]\s*`[^`]*\$\{"#
        ),
        "PHP variable function call",
    ),
    re(
        3306,
        Php,
        1,
        CRITICAL,
        ARGS | PATH,
        View::Text,
        r"\b(?:allow_url_include|allow_url_fopen|auto_prepend_file|auto_append_file|safe_mode|disable_functions|open_basedir|register_globals|magic_quotes_gpc|enable_dl|suhosin\.\w+|display_errors|error_log|file_uploads|upload_tmp_dir|session\.save_path|mail\.add_x_header|sendmail_path|extension_dir|include_path|short_open_tag|expose_php)\s*=",
        "PHP configuration directive",
    ),
    re(
        3307,
        Php,
        1,
        CRITICAL,
        FILENAME | VALUES,
        View::Text,
        r"\.(?:php\d?|phtml|phar|pht|phps|php\.\w+|inc|shtml)(?:\.|\s*$|\x00|;|/)|/sess_[a-z0-9,-]+",
        "upload of a PHP script or session file",
    ),
    // The same rule: a value that is only a PHP session file's name (`sess_<id>`) names that file
    // where a request declares a file name (a multipart file name, an `X-Filename` header). An
    // argument, a cookie or a body holding `sess_<id>` carries a session identifier (products
    // prefix their session ids so: `sess_2bX…`): a name with no directory opens no session file
    // (an include reaches one by its path, `/tmp/sess_…`, matched above on every value).
    re(
        3307,
        Php,
        1,
        CRITICAL,
        FILENAME | HEADER,
        View::Text,
        r"^sess_[a-z0-9,-]+$",
        "upload of a PHP script or session file",
    ),
    // A PHP function name at paranoia level 2, in two tiers. A name no language uses as a word
    // (`base64_decode`, `shell_exec`, `phpinfo`, `str_rot13` …) counts alone, as CRS's high-risk
    // list does. A name that is also an everyday word or a common field name (`file`, `include`,
    // `system`, `mail`, `header`, `copy`, `md5` …) counts only before a call's parenthesis later
    // in the value (`system('id')`, `[system][0](ls)`, `md5\(`), the test CRS applies to its
    // level-2 list: a multipart field named `file`, `?include=author`, a chat message's
    // `"role": "system"` or an order id `ord-2291` are no PHP.
    re(
        3308,
        Php,
        2,
        CRITICAL,
        ARGS | PATH,
        View::Sql,
        concat!(r"\b(?:", php_funcs_distinct!(), r"\b|", php_funcs_words!(), r"\b[^(]*\()"),
        "PHP function name",
    ),
    re(
        3309,
        Php,
        3,
        CRITICAL,
        ARGS | PATH,
        View::Text,
        r"\?>|\$\w+\s*=|\$\w+\s*\[",
        "PHP closing tag or variable assignment",
    ),
    // ---------------------------------------------------------------------- Node.js (3400–3449)
    re(
        3400,
        Nodejs,
        1,
        CRITICAL,
        ALL,
        View::Text,
        r#"__proto__|\bconstructor\s*(?:\.|\[\s*['"`]?|:)\s*(?:prototype|constructor)\b|\[\s*['"`]?(?:__proto__|prototype|constructor)['"`]?\s*\]"#,
        "prototype pollution",
    ),
    re(
        3401,
        Nodejs,
        1,
        CRITICAL,
        ALL,
        View::Text,
        r#"\brequire\s*\(\s*['"`]?(?:child_process|fs|net|http|https|vm|os|process|dgram|cluster|worker_threads|module)|\bchild_process\b|\bprocess\s*\.\s*(?:mainmodule|binding|env|exit|kill|dlopen|chdir)|\b(?:exec|execsync|execfile|execfilesync|spawn|spawnsync|fork)\s*\(|\breaddirsync\b|\breadfilesync\b|\bwritefilesync\b|\bmodule\s*\.\s*_load\b|\bglobal\s*\.\s*process\b|\bthis\s*\.\s*constructor\s*\.\s*constructor"#,
        "Node.js module or process access",
    ),
    re(
        3402,
        Nodejs,
        1,
        CRITICAL,
        ARGS | PATH,
        View::Text,
        // `page.$eval(…)`, `$$eval` (Puppeteer, Playwright) are no global `eval` (rule 4106).
        r#"(?:^|[^$\w])eval\s*\(|(?:^|[^.$\w])\$eval\s*\(|\bnew\s+function\b|\bfunction\s*\(\s*\)\s*\{|\b(?:settimeout|setinterval|setimmediate)\s*\(\s*['"`]|\bwhile\s*\(\s*(?:true|1|!\s*(?:false|0|-0|!\s*\[\]|\[\]|``|''|\x22\x22|null|undefined))\s*\)|\bwhile\s*\(\s*!+\s*[^)]{0,8}\)\s*(?:;|\{)|\bfor\s*\(\s*;\s*;\s*\)|\bstring\s*\.\s*fromcharcode\b|_\$\$nd_func\$\$_"#,
        "JavaScript code execution or denial of service",
    ),
    // A `console.log(` call is a probe in an injected payload and an everyday line in a code field:
    // a warning that blocks only with a second signal in the request.
    re(3406, Nodejs, 1, WARNING, ARGS | PATH, View::Text, r"\bconsole\s*\.\s*log\s*\(", "JavaScript console.log call"),
    re(
        3403,
        Nodejs,
        1,
        CRITICAL,
        ARGS | PATH,
        View::Text,
        // `{{this}}` and `{{this.name}}` are a Handlebars/Mustache template's current context, what
        // `{{#each}}` blocks print; `this` reaches code through its constructor or prototype, a
        // call, an index, or the array surgery of the known Handlebars payload (`{{this.pop}}`,
        // `{{this.push (lookup string.sub "constructor")}}`).
        r"#\{[^}]*(?:require|process|constructor|global|\.\s*\w+\s*[(`'\x22])|\{\{\s*(?:constructor|require|process|global)\b|\{\{\s*this\s*(?:\[|\.\s*(?:constructor|__proto__|pop|push|shift|unshift|splice)\b|\.\s*\w+\s*\()",
        "JavaScript template code",
    ),
    re(
        3404,
        Nodejs,
        2,
        CRITICAL,
        ALL,
        View::Text,
        r#"\brequire\s*[;=(]|\bimport\s*\(|\b\w+\s*\.\s*(?:spawn|exec|execsync)\s*\(|\bchild_process\b"#,
        "Node.js module loading",
    ),
    // -------------------------------------------------------------------------- SSRF (3500–3549)
    re(
        3500,
        Ssrf,
        1,
        CRITICAL,
        VALUES | PATH,
        View::Text,
        r"169\.254\.169\.254|\b169\.254\.170\.2\b|metadata\.google\.internal|\bmetadata\.goog\b|100\.100\.100\.200|\bfd00:ec2::254\b|\b0xa9fea9fe\b|\b2852039166\b|\b0251\.0376\.0251\.0376\b|\b169\.254\.169\.123\b|metadata\.azure\.com|instance-data\b|\b192\.0\.0\.192\b|\b169\.254\.0\.23\b|alibaba-inc\.com/latest/meta-data|/latest/meta-data/|/computemetadata/v1|/metadata/instance\?|/openstack/latest",
        "cloud metadata address",
    ),
    re(
        3501,
        Ssrf,
        1,
        CRITICAL,
        VALUES,
        View::Text,
        r"^\s*(?:[a-z][a-z0-9+.-]*:)?//(?:[^/@\s]*@)?(?:localhost|localhost4|localhost6|localhost\.localdomain|localhost4\.localdomain4|localhost6\.localdomain6|ip6-localhost|ip6-loopback|localtest\.me|[a-z0-9.-]*\.localtest\.me|lvh\.me|[a-z0-9.-]*\.nip\.io|[a-z0-9.-]*\.sslip\.io|[a-z0-9.-]*\.xip\.io|127(?:\.\d{1,3}){3}|0\.0\.0\.0|0|\[::1?\]|\[0*:0*:0*:0*:0*:(?:ffff:)?[0-9a-f.:]*\]|\[::ffff:[0-9a-f.:]+\])(?:[:/?#]|\s*$)",
        "URL to a loopback address",
    ),
    re(
        3502,
        Ssrf,
        1,
        CRITICAL,
        VALUES | PATH,
        View::Text,
        r"\b(?:gopher|dict|ldap|ldaps|tftp|netdoc|jar|sftp|smb|file|ssh|telnet|rmi|iiop|mailto|jdbc)\s*:\s*//|\bjar\s*:\s*(?:https?|file|ftp)\s*:",
        "internal or unusual URL scheme",
    ),
    re(
        3503,
        Ssrf,
        2,
        CRITICAL,
        VALUES | PATH,
        View::Path,
        // An address that is only a number (`2130706433`, `0`, `127.1` spelled `2.16777217`) is
        // one in a URL: after `//` (`/` once the view has merged them), `http:` or `@`, or before
        // a port or a path. A bare number is a timestamp, a phone, routing or passport number,
        // `period=0`, a decimal.
        concat!(
            r"(?:^|[\s=(])(?:[a-z][a-z0-9+.-]*:)?(?://)?(?:[^/@\s]*@)?(?:\[[0-9a-f:.%a-z]*\]|0x[0-9a-f]{1,8}(?:\.0x[0-9a-f]{1,2}){0,3}|0\d{1,4}(?:\.0?\d{1,4}){1,3}|\d{1,3}\.\d{1,3}\.\d{3,10}|10(?:\.\d{1,3}){3}|192\.168(?:\.\d{1,3}){2}|172\.(?:1[6-9]|2\d|3[01])(?:\.\d{1,3}){2}|169\.254(?:\.\d{1,3}){2}|127(?:\.\d{1,3}){1,3}|0(?:\.0){1,3}|localhost)(?::\d+)?(?:[/?#]|$)",
            r"|(?:^|[\s=(])(?:(?:[a-z][a-z0-9+.-]*:)?//?(?:[^/@\s]*@)?|(?:https?|ftps?|wss?):(?:[^/@\s]*@)?|[^/@\s]*@)(?:\d{8,10}|\d{1,3}\.\d{5,10}|0)(?::\d+)?(?:[/?#]|$)",
            r"|(?:^|[\s=(])(?:\d{8,10}|\d{1,3}\.\d{5,10}|0)(?::\d+(?:[/?#]|$)|[/?#])",
        ),
        "URL to an internal or obfuscated address",
    ),
    re(
        3504,
        Ssrf,
        2,
        CRITICAL,
        VALUES | PATH,
        View::Text,
        r"^\s*(?:https?|ftp)\s*:\s*/*[^/\s]*[\\@][^/\s]*|^\s*https?:[^/]|^\s*//[^/]",
        "URL with confusing authority",
    ),
    // ----------------------------------------------------------------------- Scanners (2000–2099)
    re(
        2000,
        Scanner,
        1,
        CRITICAL,
        USER_AGENT,
        View::Text,
        // `httpx` the scanner, not Python's HTTP client (`python-httpx/0.27.0`, or its product
        // token `httpx/0.27.0` after the application's own: `minizinc-python/0.9.0 httpx/0.27.0`).
        // A user agent that starts with `httpx/` is the scanner's.
        r"\b(?:nikto|sqlmap|nmap|nessus|acunetix|w3af|dirbuster|gobuster|dirb|wpscan|masscan|zgrab|openvas|havij|arachni|nuclei|wfuzz|ffuf|skipfish|netsparker|jaeles|zmeu|whatweb|joomscan|paros|webinspect|appscan|qualys|burpcollaborator|commix|fimap|grabber|grendel|metis|nsauditor|pangolin|webshag|webtrends|xsser|brutus|hydra|morfeus|muieblackcat|jorgee|blackwidow|bsqlbf|crimscanner|sqlninja|absinthe|bilbo|mysqloit|mozilla/4\.0\s+\(compatible;\s+msie\s+6\.0;\s+win32\)|nasl|nutch\b.*\bcrawl|zap/|owasp\s+zap|netlab360|censysinspect|internet-measurement|leakix|xpanse|interactsh|dirsearch|feroxbuster|katana|subfinder|gau/|hakrawler|vega/|webreaper|wprecon|cgichk|n-stealth|struts-pwn|scan\s?bot)\b|(?:^|[^\w-])httpx(?:$|[^\w/])|^httpx/",
        "security scanner User-Agent",
    ),
    re(
        2001,
        Scanner,
        2,
        NOTICE,
        PATH,
        View::Path,
        r"/(?:phpmyadmin|pma|myadmin|wp-admin/install\.php|wp-login\.php|xmlrpc\.php|cgi-bin/(?:test-cgi|php|printenv)|manager/html|jmx-console|web-console|invoker/jmxinvokerservlet|solr/admin|actuator/(?:env|heapdump|jolokia|gateway)|_ignition/execute-solution|vendor/phpunit|server-status|\.well-known/security\.txt\.bak|hnap1|boaform|owa/auth/x\.js|autodiscover/autodiscover\.xml\?|shell\?)",
        "path commonly probed by scanners",
    ),
    // -------------------------------------------------------------- Session fixation (4300–4349)
    re(
        4300,
        SessionFixation,
        1,
        CRITICAL,
        ARGS | PATH,
        View::Text,
        // A cookie is set by assigning to a `.cookie` property (`x.cookie="sid=1"`, `+=`), by a
        // cookie string with its attributes after it (`.cookie;expires=`), by `document.cookie`,
        // by a `<meta http-equiv="set-cookie">` or by a `Set-Cookie:` header line. A comparison
        // sets nothing (`req.http.cookie !~ "(^|;\s*)sid="`, `== 'x'` in a VCL or a condition);
        // and a header opens a line (a response splitter puts the line break before it): after
        // other text on its line it names the header (`W --> U : Set-Cookie: sid=…` in a
        // sequence diagram, `200 Set-Cookie: sid=…; HttpOnly`).
        r"\.cookie\s*\+?=(?:[^=~]|$)|\.cookie\b.*?;\W*?(?:expires|domain|path|max-age)\W*?=|document\s*\.\s*cookie|<\s*meta\b[^>]*http-equiv\s*=\s*['\x22]?\s*set-cookie|(?:^|[\r\n])[\t ]*set-cookie\s*:",
        "attempt to set a cookie from the request",
    ),
    // -------------------------------------------------------------------- Java (4400–4499)
    re(
        4400,
        Java,
        1,
        CRITICAL,
        ALL | URI,
        View::Text,
        // A lookup's prefix is a word of its own (`${env:HOME}`, `${x${lower:j}…`):
        // `${RAILS_ENV:-production}` is a shell default, not `env:`.
        // A plain `${env:NAME}` or `${sys:name}`, closed right after the name, is how VS Code's
        // settings, the OpenTelemetry Collector's configuration and Serilog name a variable; in a
        // Log4j message it expands to the variable and reaches nothing. With a default
        // (`${env:x:-j}ndi`), a nested lookup or `jndi`, or as the whole value (the probe that
        // asks whether a log expands it), it still counts.
        // A lookup nested in another counts where it can spell the outer one's prefix
        // (`${${lower:j}ndi:…}`, `${j${x:-n}di:…}`) or is a default it falls back to
        // (`${x:-${env:HOME}}`); after the outer prefix and its `:` it is part of a value (the
        // Serverless Framework's `${ssm:/app/${sls:stage}/url}`), which names no lookup.
        concat!(
            r"\$\{[^}]{0,64}?(?:j[^a-z}]{0,32}n[^a-z}]{0,32}d[^a-z}]{0,32}i|jndi|::-)|\$\{(?:[^}:]|:-){0,64}?\$\{",
            r"|\$\{(?:[^}]{0,63}[^\w}])?(?:ctx|java|lower|upper|date|main|base64|bundle|spring|k8s|docker|web|log4j|marker|map|sd|event):",
            r"|\$\{(?:[^}]{0,63}[^\w}])?(?:env|sys):[\w.-]*(?:[^\w.}-]|$)|^\s*\$\{(?:env|sys):[\w.-]*\}\s*$",
        ),
        "Log4Shell-style lookup",
    ),
    re(
        4401,
        Java,
        1,
        CRITICAL,
        ALL,
        View::Text,
        // A package before a `:` is a dependency's Maven coordinate (`org.apache.commons:commons-text`
        // in a vulnerability lookup or a Gradle file), which names no class to load; before a `/`
        // it is a package URL's namespace (`pkg:maven/org.apache.commons/commons-text@1.9`, an
        // SBOM's or a vulnerability database's purl): a class is named after a `.`.
        r"\b(?:java\.(?:lang\.(?:runtime|processbuilder|process|reflect|classloader|system|thread|object|string|integer|class|invoke)|io\.\w+|util\.\w+|net\.\w+|beans\.\w+|rmi\.\w+|nio\.\w+|security\.\w+|sql\.\w+|applet|awt|lang\b)|javax\.(?:script|naming|management|el|xml|swing|crypto|imageio|sql)\b|(?:com\.sun|sun\.(?:misc|reflect|rmi|net|nio)|jdk\.\w+)\.[\w.$]+|runtime\s*\.\s*getruntime|getruntime\s*\(\s*\)\s*\.\s*exec|processbuilder|classloader|urlclassloader|defineclass|getclass\s*\(\s*\)|class\s*\.\s*forname|forname\s*\(|\.getmethod\s*\(|\.invoke\s*\(|\.newinstance\s*\(|objectinputstream|xmldecoder|xstream|ysoserial|templatesimpl|invokertransformer|chainedtransformer|constanttransformer|instantiatetransformer|lazymap|transformedmap|annotationinvocationhandler|priorityqueue|badattributevalueexpexception|jdbcrowsetimpl|commons\.collections|commons\.beanutils|org\.apache\.(?:commons|xalan|xbean|myfaces|bcel|tomcat|catalina|naming|log4j|struts|wicket|click|shiro|openjpa|batik|axis|cxf|velocity|jasper|el|coyote)(?:[^:/]|$)|org\.springframework\.(?:context\.support|beans\.factory|transaction\.jta|aop\.(?:support|config)|jndi)|org\.codehaus\.groovy|com\.opensymphony|xwork2?\.|org\.apache\.struts2?|groovy\.lang|bsh\.interpreter|bsh\.xthis|clojure\.(?:core|main)\$|clojure\.inspector\.proxy|org\.mozilla\.javascript|com\.mchange|org\.hibernate|net\.sf\.json|com\.alibaba\.fastjson|org\.jboss|weblogic\.|com\.mysql\.jdbc|oracle\.jdbc|org\.python\.core|rome\.feed|org\.slf4j|ognl\.|freemarker\.template|org\.yaml\.snakeyaml|javassist|java\.beans\.xmldecoder|rmiconnectionimpl|jndilookup|nashorn|scriptenginemanager|java\.(?:\w+\.)*(?:runtime|processbuilder)\b|org\.omg\.(?:corba|iiop|cosnaming|portableserver)\b)",
        "dangerous Java class or reflection",
    ),
    re(
        4402,
        Java,
        1,
        CRITICAL,
        ALL | BODY,
        View::Text,
        r"\xac\xed\x00\x05|\brO0AB|\bro0ab[a-z0-9+/]|\baced0005|\bh4siaaaaa|%ac%ed%00%05",
        "Java serialization stream",
    ),
    re(
        4403,
        Java,
        1,
        CRITICAL,
        ALL,
        View::Text,
        r#"\bt\s*\(\s*java\.|#_memberaccess|#context\b|#request\b|#response\b|#session\b|#application\b|#parameters\b|#attr\b|@java\.lang|@ognl|new\s+java\.|\.getruntime\s*\(|\.exec\s*\(\s*['"\[]|#\{\s*['"]?\w+['"]?\s*\.\s*(?:getclass|class|forname)|\$\{\s*(?:\w+\s*\.\s*)*(?:getclass|class|forname|getruntime|runtime|processbuilder)|%\{\s*[#(@]|\(#\w+\s*=(?:[^=]|$)|\.\s*getclass\s*\(\s*\)\s*\.\s*forname|\.\s*class\s*\.\s*(?:forname|classloader)|\bclass\.(?:module|classloader)\b"#,
        "expression-language injection",
    ),
    re(
        4404,
        Java,
        1,
        CRITICAL,
        ALL,
        View::Text,
        // A member follows the dot (`Runtime.getRuntime`); `… at runtime. Bump it` ends a sentence.
        // `Runtime.` names Java's class only with one of its members or a gadget after it: Go's
        // `runtime.mallocgc` in a profile or stack trace is another language's package.
        // With a space before `(`, what follows must read as code (a quote, `$`, `@`, a backtick,
        // a number alone, a call, `)`): `a humidity control system (Dampp-Chaser)`, `Runtime (incl.
        // credits)` and `the solar system (1 AU ≈ 150,000,000 km)` are parentheticals of English
        // text. `system('id')`, `system ("id")`, `system (-1)` and `system (chr(105).chr(100))`
        // still match; PHP's 3301 keeps `system (id)` outside prose.
        r"\bsystem(?:\(|\s+\(\s*(?:['\x22`$@)]|-?\d[\d.]*\s*\)|\w+\s*\()|\s*\.\s*(?:(?:exit|getenv|getproperty|getproperties|setproperty|load|loadlibrary|setsecuritymanager|console)\s*\(|in\b))|\bruntime(?:\(|\s+\(\s*(?:['\x22`$@)]|-?\d[\d.]*\s*\)|\w+\s*\()|\s*\.\s*(?:getruntime|exec|halt|exit|load|loadlibrary|addshutdownhook|invokertransformer|clonetransformer|forclosure|instantiatefactory|instantiatetransformer|whileclosure|prototypeclonefactory|prototypeserializationfactory|constantfactory|exceptionfactory|comparatorchain|templatesimpl|beancomparator|jdbcrowsetimpl)\b)|\b(?:processbuilder|invokertransformer|clonetransformer|forclosure|instantiatefactory|instantiatetransformer|whileclosure|prototypeclonefactory|prototypeserializationfactory|constantfactory|exceptionfactory|comparatorchain|templatesimpl|beancomparator|jdbcrowsetimpl)\s*(?:\.(?:\w|\s+\w+\s*\()|\()",
        "gadget class used as a call or member",
    ),
    re(
        4405,
        Java,
        1,
        CRITICAL,
        FILENAME,
        View::Text,
        r"\.(?:jsp|jspx|jspf|jsw|jsv|jspa|jhtml|jws)(?:\.|\s*$|\x00|;)",
        "upload of a Java server page",
    ),
    re(
        4406,
        Java,
        2,
        CRITICAL,
        ALL,
        View::Text,
        r"\b(?:clonetransformer|forclosure|instantiatefactory|instantiatetransformer|invokertransformer|prototypeclonefactory|prototypeserializationfactory|whileclosure|getproperty|filewriter|xpathexpression|getinstance|getfield|getdeclared\w+|setaccessible|loadclass|inputstreamreader|bufferedreader|getinputstream|getoutputstream|processimpl|unixprocess|classpathxmlapplicationcontext|filesystemxmlapplicationcontext|eventhandler|scriptengine|nashorn|rhino|serializable|readobject|writeobject|readresolve|externalizable)\b",
        "Java serialization gadget or reflection keyword",
    ),
    re(
        4407,
        Java,
        2,
        CRITICAL,
        ALL,
        View::Text,
        r"\b(?:java|javax|jdk|sun|com\.sun|org\.apache|org\.springframework)\.[a-z_$][\w$]*(?:\.[a-z_$][\w$]*)*",
        "Java package name",
    ),
    re(
        4409,
        Java,
        1,
        CRITICAL,
        FILENAME,
        View::Text,
        r"\.jsp[xf]?[\s.]*$",
        "JSP file upload (a web shell on Java servers)",
    ),
    re(
        4408,
        Java,
        1,
        CRITICAL,
        ARGS,
        View::Base64,
        r"processbuilder|getruntime|runtime\.exec|invokertransformer|clonetransformer|forclosure|instantiatefactory|instantiatetransformer|whileclosure|prototypeclonefactory|prototypeserializationfactory|templatesimpl|constanttransformer|chainedtransformer|java\.(?:lang|io|util|net|rmi|beans)\.|javax\.|org\.apache\.|com\.sun\.|ysoserial|objectinputstream|classloader|\xac\xed\x00\x05",
        "Java gadget or class name in a base64 value",
    ),
    re(
        3405,
        Nodejs,
        1,
        CRITICAL,
        ARGS,
        View::Base64,
        r"_\$\$nd_func\$\$_|\bwhile\s*\(|\brequire\s*\(|child_process|\beval\s*\(|\bfunction\s*\(\s*\)\s*\{|\bfor\s*\(\s*;\s*;|process\.(?:mainmodule|binding|env)|\\u00[0-9a-f]{2}",
        "JavaScript code in a base64 value",
    ),
    // ------------------------------------------------------------- Generic attacks (3600–3699)
    re(
        3600,
        GenericAttack,
        1,
        CRITICAL,
        ARGS | PATH,
        View::Text,
        // `{#` opens a Jinja/Twig comment only when `#}` closes it (not ICU `{count, plural, one {# item}}`).
        // A comment is a probe when it is the whole value or glued to text on its line (`a{#x#}b`
        // renders `ab`); one on a line of its own in a template's source (`{# per-env tuning #}`
        // above a block) is that template's comment.
        // An expression, or a `for`/`if` tag, acts only with what reaches past the template's own
        // data: arithmetic (`7*7`; `2024-01-01` is a date), a dunder, a global of the engine named
        // as a whole word (`request`, not `ticket.requester`; `range`, not `dateRange`), a call or
        // a filter call, or a condition on a constant (`{% if true %}`, a probe of the engine).
        // `{{ ticket.id }}` and `{% for doc in docs %}` read the data they are given.
        // A filter or a function of the host given literals formats or looks up the data it is
        // given (`| round(1)`, `| selectattr('state', 'eq', 'on')`, `| default('none')`,
        // `states('sensor.x')`); what reaches the interpreter's internals is a dunder, a global of
        // the engine, `attr(` (as a word of its own: not `state_attr(`, a function of the host),
        // a name spelled in escapes (`\x5f`), a subscript of a literal (`''[…]`, `()[…]`) and the
        // filters that take a callable by name (Twig's `filter`, `map`, `reduce`, `sort` given a
        // string: `['id']|filter('system')`; Twig's `filter`, `map` and `sort` take one argument, so
        // Jinja's `map('extract', hostvars, 'ansible_host')`, a filter applied with its arguments
        // over an Ansible inventory, is none of them; `reduce` takes two, `reduce('system','id')`).
        // Statements (`{% set %}`, `{% if %}`, `{% for %}`, `{% with %}`, with or without `-`/`+`)
        // count on the same internals, or on a method called on an object (`x.read()`,
        // `d.items()`), string repetition (`'_'*2`), arithmetic and a constant condition; a
        // statement over the template's data and the host's functions given literals
        // (`{% set t = states('sensor.x') | float(0) %}`, `{% if is_incremental() %}`) does not.
        // Nor does `namespace(…)` called with the state a loop carries out (`{% set ns =
        // namespace(low=[]) %}`, Jinja's documented idiom): `namespace` counts when it is read
        // itself (`namespace.__init__`, `= namespace %}`) or called with nothing (a probe).
        // An expression with Handlebars' segment literal `.[` (`{{request.pathSegments.[1]}}`, a
        // mock server's response template) is no Jinja or Twig, which want a name or a number after
        // a dot: there the globals' names are data paths. `constructor`, a dunder (also as a
        // segment, `.[__proto__]`), arithmetic, `attr(` and a filter call count in it as before,
        // and `request[…]` (no dot) still does.
        // `request` read down a chain of plain attributes (`{{ request.number }}`, a help desk's
        // request; `{{request.body.amount}}`, a mock server's response template), maybe filtered
        // (`| date: "%b %-d"`, Liquid), is the template's data: Flask's global reaches the
        // interpreter only through a dunder, a call, a subscript, `attr` or `application`/`environ`,
        // and its cookies, session and authorization are what a stored template would steal; those,
        // and `{{ request }}` alone or filtered itself (`request|join('')`), and its query and form
        // fields (`request.args.x`, `.values`, `.form`: strings smuggled past a filter), count as
        // before (a filter after an attribute is judged by the alternatives above). A quoted
        // literal after the chain and a space is the next argument of a Handlebars helper
        // (`{{jsonPath request.body '$.amount'}}`, a mock server's response template), a syntax
        // error in Jinja and Twig; glued to the chain or after any other mark it counts.
        // So in a statement: `{% if request.extension %}`, `{% if request.status == 'open' %}` read
        // data; `{% set x = request %}`, `{% set x = request.application %}`, `{% if
        // request.args.get('x') %}` count.
        // An ERB output tag of one data path (`<%= todo.title %>`, `<%= @count %>`, a question's
        // snippet) reads the template's data, as `{{ ticket.id }}` does; a call, an argument, a
        // backtick, arithmetic or a second word (`<%= system 'id' %>`, `<%= 7*7 %>`,
        // `<%= File.read(…) %>`, `<%= eval params[:x] %>`) counts as before.
        // A Thymeleaf selection `*{…}` holds an expression, not a CSS declaration list: CSS's
        // universal selector and its block (`*{transition:none!important}`, a property and `:`
        // first) is none.
        // A Thymeleaf selection `*{…}` holds no brace: `*{{task.title}}*` is Markdown emphasis
        // around a placeholder, judged as the placeholder.
        // A `*{` glued after a TeX control word (`\section*{Title}`, `\chapter*{…}`: a backslash
        // and letters) is the starred form of a LaTeX command and its argument, not a selection;
        // after anything else (`"*{`, `__*{` in a preprocessing `__…__`, letters with no
        // backslash before them) it counts as before.
        // A subtraction's left side is a number of its own: `iso8601 -30 d` (REST Client's
        // `{{$datetime iso8601 -30 d}}`, a date 30 days back) subtracts nothing.
        // `range` followed by a space and a pipeline (a `$variable`, a `.Field`, a word) is the
        // action of Go's text/template iterating over its data (`{{ range $k, $v := .Secrets }}`,
        // `{{- range .Items }}`, Helm, Prometheus alert templates), a syntax error in Jinja or
        // Twig; their global counts where it is used as a value: bare (`{{ range }}`), called,
        // filtered, indexed or dereferenced (`range(10)`, `range | attr(…)`, `range.__init__`).
        r#"\{\{\s*[^}]*(?:\d\s*[*+/]\s*\d|\b\d+\s+-\s*\d|\.__\w+__|\.\[\s*__\w+__|\bconstructor\b|\bos\.|\battr\s*\(|\\x[0-9a-f]{2}|(?:''|""|\(\)|\[\])\s*\[|\|\s*(?:(?:filter|map|sort)\s*\(\s*(?:'[^']*'|"[^"]*")\s*\)|reduce\s*\(\s*['"]))[^}]*\}\}|\{\{(?:[^}.]|\.[^}\[])*\.?\brange(?:\s*\}\}|\.\}\}|(?:\.[^}\[]|[^\s\w}.]|\s+[^\s\w$.}])(?:[^}.]|\.[^}\[])*\.?\}\})|\{\{(?:[^}.]|\.[^}\[])*\.?\b(?:config|_self|self|lipsum|cycler|joiner|namespace|class|mro|subclasses|globals|builtins|import|popen|system|exec\w*|eval|getattr)\b(?:[^}.]|\.[^}\[])*\.?\}\}|\{\{(?:[^}.]|\.[^}\[])*\.?\brequest\b(?:\s*\}\}|\s*\||(?:\s*\.\s*[\w-]+)*\s*\.\s*(?:_|(?:environ|application|cookies?|session|meta|authorization|args|values|form)\b)(?:[^}.]|\.[^}\[])*\.?\}\}|(?:\s*\.\s*[\w-]+)*(?:[^\s.}\w|-]|\s+[^\s.}\w|'"-])(?:[^}.]|\.[^}\[])*\.?\}\})|\{%[-+]?\s*(?:import|include|macro|call|raw|debug|extends|block)\b|\{%[-+]?\s*(?:for|if|elif|set|with)\b[^%]*(?:\d\s*[*+/-]\s*\d|__|\bnamespace\b\s*(?:[^\s(]|\(\s*\))|\b(?:config|_self|self|lipsum|cycler|joiner|range|class|mro|subclasses|globals|builtins|import|popen|system|exec\w*|eval|getattr|attr|constructor)\b|\bos\.|\.\s*\w+\s*\(|\\x[0-9a-f]{2}|\\u00[0-9a-f]{2}|\\[0-7]{3}|['"]\s*\*\s*\d|(?:''|""|\(\)|\[\])\s*\[|\|\s*(?:filter|map|reduce|sort)\s*\(\s*['"])|\{%[-+]?\s*(?:for|if|elif|set|with)\b[^%]*\brequest\b(?:\s*[-+]?%\}|\s*\||(?:\s*\.\s*[\w-]+)*\s*\.\s*(?:_|(?:environ|application|cookies?|session|meta|authorization|args|values|form)\b)|(?:\s*\.\s*[\w-]+)*\s*[^\s.%\w|=!<>-])|\{%[-+]?\s*(?:if|elif)\s+(?:not\s+)?(?:true|false|none|\d+)\s*[-+]?%\}|<%(?:==?)?-?\s*(?:[^%\s@a-z_=]|@?[a-z_][\w.]*(?:\s*[^%\s\w.-]|\s+[@\w]|-[^%]))[^%]*%>|\$\{\s*\d+\s*[*+/-]\s*\d+\s*\}|#\{\s*\d+\s*[*+/-]\s*\d+\s*\}|\[\[\s*\d+\s*[*+/-]\s*\d+\s*\]\]|\{\{\s*\d+\s*[*+/-]\s*['"]?\d+['"]?\s*\}\}|\$\{\s*\{\s*<%|@\(\s*\d+\s*[*+/-]\s*\d+\s*\)|(?:^|[^A-Za-z]|(?:^|[^A-Za-z\\])[A-Za-z]+)\*\{\s*(?:[^{}A-Za-z\s-][^{}]*|[A-Za-z-]+\s*(?:[^{}:A-Za-z\s-][^{}]*)?)\}|[^\s][ \t]*\{#\s*\w[^}]*#\}|\{#\s*\w[^}]*#\}[ \t]*[^\s]|^\s*\{#\s*\w[^}]*#\}\s*$|\{php\}|\{\$smarty"#,
        "server-side template injection",
    ),
    re(
        3601,
        GenericAttack,
        1,
        CRITICAL,
        ARGS | PATH,
        View::Text,
        r"\bdata\s*:\s*(?:text/plain|application/x-httpd-php|text/x-php|application/php)\s*(?:;\s*base64)?\s*,|\bdata\s*://\s*text/plain|\bdata:\s*;base64,(?:pd9w|pd8|pd9)",
        "data: URL carrying code",
    ),
    re(
        3602,
        GenericAttack,
        1,
        CRITICAL,
        ARGS | PATH,
        View::Text,
        r"\b(?:kernel\s*\.\s*(?:exec|system|spawn|open|eval|`)|io\s*\.\s*popen|open3\s*\.\s*(?:popen\d?|capture\d?)|%x\s*[\[({<|]|object\s*\.\s*const_get|instance_eval|class_eval|module_eval|send\s*\(\s*:(?:system|eval|exec)|erb\.new|yaml\.load|marshal\.load)\b",
        "Ruby code execution",
    ),
    re(
        3603,
        GenericAttack,
        2,
        CRITICAL,
        ARGS | PATH,
        View::Text,
        r"@\{\s*\[.*\]\s*\}|\$\{\s*\\|\bsystem\s*\(\s*['\x22]|\bqx\s*[\[({/|'\x22]|\bexec\s+['\x22]|\bopen\s*\(\s*['\x22]?\s*[|<>]|\b(?:core::|posix::|file::find|io::socket|lwp::|cwd|sys::hostname)|\$>|\$<|\bgetpw(?:uid|nam)\s*\(|@\{\s*\[",
        "Perl code",
    ),
    re(
        3604,
        GenericAttack,
        2,
        CRITICAL,
        ARG_NAME,
        View::Text,
        r"__(?:\w+__)*(?:exact|iexact|contains|icontains|in|gt|gte|lt|lte|startswith|istartswith|endswith|iendswith|range|date|year|month|day|week|week_day|quarter|time|hour|minute|second|isnull|regex|iregex|search|isempty|overlap|has_key|has_keys|has_any_keys|contained_by|len|trigram_similar|unaccent|password|user|profile)$|\w__\w+__\w+",
        "ORM lookup operator in an argument name",
    ),
    re(
        3605,
        GenericAttack,
        2,
        CRITICAL,
        ARGS | PATH,
        View::Text,
        r"\$\{[^}]*\}|#\{[^}]*\}|\{\{[^}]*\}\}|%\{[^}]*\}|<#\w|\$\$\{",
        "template or expression syntax",
    ),
];

/// Ids of rules that are evaluated by code rather than by patterns (protocol checks, budget,
/// off-domain references); listed so that configuration can name them.
pub static CODE_RULES: &[(u32, Category, u8, u32, &str)] = &[
    (1000, Protocol, 1, CRITICAL, "method not allowed by policy"),
    (1001, Protocol, 1, CRITICAL, "both Content-Length and Transfer-Encoding"),
    (1002, Protocol, 1, CRITICAL, "invalid or conflicting Content-Length"),
    (1003, Protocol, 1, CRITICAL, "control character in a header"),
    (1004, Protocol, 1, WARNING, "missing or empty Host"),
    (1005, Protocol, 1, CRITICAL, "body on GET or HEAD, or Transfer-Encoding on GET/HEAD"),
    (1006, Protocol, 1, CRITICAL, "CR or LF injection (response splitting, header injection)"),
    (1007, Protocol, 1, CRITICAL, "invalid percent-encoding or overlong UTF-8"),
    (1008, Protocol, 1, CRITICAL, "NUL or control character in the request target or arguments"),
    (1009, Protocol, 1, WARNING, "Host is a numeric IP address"),
    (1010, Protocol, 1, CRITICAL, "content type not allowed or malformed"),
    (1011, Protocol, 1, CRITICAL, "multipart body that parsers may read differently"),
    (1012, Protocol, 1, CRITICAL, "abusive Range or Request-Range header"),
    (1013, Protocol, 1, CRITICAL, "conflicting Connection header"),
    (1014, Protocol, 1, NOTICE, "empty Accept or User-Agent header"),
    (1015, Protocol, 1, CRITICAL, "restricted header or file extension"),
    (1016, Protocol, 1, CRITICAL, "LDAP filter injection"),
    (1017, Protocol, 1, CRITICAL, "request smuggling in the target or body"),
    (1018, Protocol, 2, CRITICAL, "method override parameter"),
    (1019, Protocol, 1, CRITICAL, "unusual charset in Content-Type or Accept"),
    (1020, Protocol, 2, NOTICE, "missing User-Agent or Accept"),
    (1021, Protocol, 1, WARNING, "full-width or non-ASCII characters where ASCII is expected"),
    (1022, Protocol, 2, CRITICAL, "non-printable character in the request"),
    (1990, Protocol, 1, 0, "inspection budget exceeded"),
    (3150, Rfi, 2, CRITICAL, "URL value pointing to another host"),
    (4350, SessionFixation, 1, CRITICAL, "session id in a query or form argument without a same-site Referer"),
];

#[cfg(test)]
#[test]
fn rule_3308s_two_tiers_share_no_name() {
    let names = |s: &str| -> std::collections::BTreeSet<String> {
        let inner = s.strip_prefix("(?:").and_then(|s| s.strip_suffix(')')).unwrap_or(s);
        inner
            .replace("call_user_func(?:_array)?", "call_user_func|call_user_func_array")
            .split('|')
            .map(String::from)
            .collect()
    };
    let distinct = names(php_funcs_distinct!());
    let words = names(php_funcs_words!());
    assert!(distinct.len() > 40 && words.len() > 20);
    assert!(distinct.is_disjoint(&words), "{:?}", distinct.intersection(&words).collect::<Vec<_>>());
}
