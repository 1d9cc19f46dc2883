//! PHP code injection: code, serialized objects and script uploads aimed at a PHP back end.
//!
//! An API value becomes PHP code through `eval`, `assert`, `preg_replace /e`, `include` or
//! `unserialize`. What only an attacker sends: an opening tag (`<?php`, `<?=`), a call to a
//! function that runs commands or code (`system(`, `shell_exec(`, `eval(`, `assert(`, ...)
//! however the call is spaced or commented (`exec /*x*/ (`, `exec\t(`, `exec#\n(`), the
//! a function named by a string or expression (PHP 7: `"system"(`, `(system)(`,
//! `['sys'.'tem'][0](`, concatenations joined first), `system(whoami)` with a shell command, the
//! superglobals (`$_GET[`, `$_SERVER`), variable functions (`$f(`), serialized objects
//! (`O:8:"stdClass":1:{`), configuration directives (`allow_url_include=on`,
//! `auto_prepend_file=`), and a script or server configuration file name in an upload field.
//! Outside a JSON text field (a URL, header, form or XML value), where code samples do not
//! travel, a call to any PHP-only built-in (`strip_tags(`, `php_uname (`, `pg_fetch_row(`) is
//! High too. PHP 7+ also accepts the stream wrappers `compress.zlib://`, `ssh2.exec://`,
//! `zip://`, `data://text/plain,...` wherever a file name goes. A bare function *name* (`eval`, `phpinfo` in
//! prose) is not a call and stays clean.

use super::gate::{call_follows, gated, in_sorted, is_word, lit, skip_space, skip_space_comments, word_before};
use super::{is_file_name, is_json_text, stronger, Check, Family, Hit, Rules, Subject, Trigger};
use crate::fields::{Part, ValueType};
use crate::finding::Severity::{Critical, High, Medium};

pub(crate) struct Php {
    rules: Rules,
    /// Calls that are PHP code outside a JSON text field (a URL, header, form or XML value), where
    /// code samples do not travel.
    strict_rules: Rules,
    /// A script or server configuration file name in an upload's file-name field (a multipart
    /// part's `filename`, an `X-Filename` header).
    upload: regex::Regex,
    /// A script file name dressed to pass an extension check (`a.php;.jpg`, `s.asp::$data`,
    /// `x.jsp.`, `shell. php`): in a JSON text field a plain file name is data (a repository
    /// listing, a deploy setting), these shapes only an attacker writes.
    upload_evasion: regex::Regex,
}

/// Extensions a web server runs as a script.
const SCRIPT_EXTENSIONS: &str = "php\\d*|phtml|pht|phpt|phar|phps|inc|jsp|jspx|jspf|asp|aspx|ashx|asmx|cer|cgi|shtml";

/// Functions whose call runs commands or code, or reads/writes files for an attacker. Sorted.
const CALLS: &[&str] = &[
    "array_map", "assert", "base64_decode", "call_user_func", "call_user_func_array", "create_function", "curl_exec",
    "escapeshellcmd", "eval", "exec", "file_get_contents", "file_put_contents", "fopen", "fsockopen", "fwrite",
    "gzinflate", "gzuncompress", "include", "include_once", "ini_set", "move_uploaded_file", "passthru", "pcntl_exec",
    "phpinfo", "popen", "posix_kill", "posix_setuid", "preg_replace", "proc_open", "readfile", "require",
    "require_once", "shell_exec", "show_source", "str_rot13", "system", "unlink", "unpack", "unserialize",
];

/// Built-in functions only PHP has (no other language or English word spells them so), whose
/// call outside a JSON text field is PHP code. Sorted.
const PHP_ONLY: &[&str] = &[
    "array_diff_uassoc", "array_diff_ukey", "array_filter", "array_intersect_uassoc", "array_intersect_ukey",
    "array_reduce", "array_udiff", "array_udiff_assoc", "array_udiff_uassoc", "array_uintersect",
    "array_uintersect_assoc", "array_uintersect_uassoc", "array_walk", "array_walk_recursive", "assert_options",
    "base64_encode", "bson_decode", "bson_encode", "bzdecompress", "bzopen", "call_user_method", "class_exists",
    "convert_uudecode", "convert_uuencode", "curl_file_create", "curl_init", "debug_backtrace", "debug_zval_dump",
    "disk_free_space", "error_reporting", "escapeshellarg", "exif_imagetype", "exif_read_data", "exif_tagname",
    "exif_thumbnail", "extract", "file_exists", "fileatime", "filegroup", "fileinode", "fileowner", "fileperms",
    "forward_static_call", "forward_static_call_array", "fpassthru", "fputs", "ftp_connect", "ftp_exec", "ftp_get",
    "ftp_login", "ftp_nb_get", "ftp_nb_put", "ftp_put", "func_get_args", "function_exists", "get_cfg_var",
    "get_class_methods", "get_current_user", "get_defined_constants", "get_defined_functions", "get_defined_vars",
    "get_included_files", "get_loaded_extensions", "get_meta_tags", "getallheaders", "getcwd", "getenv",
    "getimagesize", "getlastmod", "getmygid", "getmyinode", "getmypid", "getmyuid", "gzcompress", "gzdecode",
    "gzdeflate", "gzencode", "gzfile", "gzopen", "gzpassthru", "gzread", "gzwrite", "hash_file", "hash_hmac_file",
    "hash_update_file", "header_register_callback", "hex2bin", "highlight_file", "highlight_string",
    "html_entity_decode", "htmlentities", "htmlspecialchars", "htmlspecialchars_decode", "ignore_user_abort",
    "image2wbmp", "imagecreatefrombmp", "imagecreatefromgif", "imagecreatefromjpeg", "imagecreatefrompng",
    "imagecreatefromstring", "imagecreatefromwbmp", "imagecreatefromwebp", "imagecreatefromxbm",
    "imagecreatefromxpm", "imagegd", "imagegd2", "imagegif", "imagejpeg", "imagepng", "imagewbmp", "imagexbm",
    "ini_get", "ini_get_all", "ini_restore", "iptcembed", "is_executable", "is_uploaded_file", "is_writable",
    "is_writeable", "iterator_apply", "json_decode", "json_encode", "lchgrp", "lchown", "linkinfo", "mb_ereg",
    "mb_ereg_match", "mb_ereg_replace", "mb_ereg_replace_callback", "mb_eregi", "mb_eregi_replace", "mb_parse_str",
    "mb_send_mail", "md5_file", "method_exists", "ob_clean", "ob_end_clean", "ob_end_flush", "ob_flush",
    "ob_get_clean", "ob_get_contents", "ob_get_flush", "ob_start", "opendir", "parse_ini_file", "parse_str",
    "pfsockopen", "php_strip_whitespace", "php_uname", "phpversion", "preg_match", "preg_match_all",
    "preg_replace_callback", "preg_replace_callback_array", "preg_split", "print_r", "proc_close",
    "proc_get_status", "proc_nice", "proc_terminate", "putenv", "rawurldecode", "rawurlencode", "read_exif_data",
    "readdir", "readgzfile", "register_shutdown_function", "register_tick_function", "rename_function",
    "runkit_constant_add", "runkit_constant_redefine", "runkit_function_add", "runkit_function_copy",
    "runkit_function_redefine", "runkit_function_rename", "runkit_method_add", "runkit_method_copy",
    "runkit_method_redefine", "runkit_method_rename", "scandir", "serialize", "session_set_save_handler",
    "session_start", "set_error_handler", "set_exception_handler", "set_include_path", "set_magic_quotes_runtime",
    "set_time_limit", "setdefaultstub", "sha1_file", "simplexml_load_file", "simplexml_load_string",
    "socket_connect", "socket_create", "sqlite_array_query", "sqlite_create_aggregate", "sqlite_create_function",
    "sqlite_exec", "sqlite_open", "sqlite_popen", "sqlite_query", "sqlite_single_query", "sqlite_unbuffered_query",
    "stream_context_create", "stream_get_contents", "stream_socket_client", "stream_socket_server", "strip_tags",
    "stripcslashes", "stripslashes", "strrev", "substr", "symlink", "tempnam", "tmpfile", "token_get_all", "uasort",
    "uksort", "urldecode", "urlencode", "usort", "var_dump", "var_export",
];

/// Names of functions that only a PHP payload spells, so that even without their call (a name
/// passed as a callback, `array_map('shell_exec', ...)`, or probed alone) they are code outside a
/// JSON text field: commands, code from strings, decoders that unwrap a payload, the process and
/// environment an attacker maps, sockets, callbacks and handlers a payload installs, the files and
/// images it reads or writes (PHP's own spellings, as in the published CRS list of high-risk
/// names). Names that are also an API's field names or other languages' (`is_file`, `strlen`,
/// `json_encode`, `getenv`, `putenv`, zlib's `gzopen`, `hex2bin`) stay out. A regex.
const BARE_NAMES: &str = "__halt_compiler|apache_child_terminate|base64_decode|bzdecompress|call_user_func(?:_array)?|convert_uu(?:de|en)code|create_function|curl_exec|curl_file_create|escapeshell(?:arg|cmd)|exif_read_data|read_exif_data|file_(?:get|put)_contents|p?fsockopen|ftp_(?:ssl_)?connect|get_cfg_var|get_current_user|get_defined_(?:constants|functions|vars)|get_class_(?:methods|vars)|getmy(?:gid|inode|pid|uid)|gz(?:decode|inflate|uncompress)|header_register_callback|highlight_file|ini_get_all|ini_set|iterator_apply|move_uploaded_file|pcntl_(?:exec|fork)|php_uname|posix_(?:get(?:pwnam|pwuid|login|e?[ug]id)|kill|mkfifo|mknod|uname|ttyname)|preg_replace_callback(?:_array)?|proc_(?:open|close|get_status|nice|terminate)|register_(?:shutdown|tick)_function|rename_function|runkit_(?:constant|function|method)_[a-z]+|shell_exec|show_source|simplexml_load_(?:file|string)|str_rot13|stream_socket_client|sys_get_temp_dir|array_(?:diff|intersect)_u(?:assoc|key)|array_u(?:diff|intersect)(?:_u?assoc)?|bzopen|debug_backtrace|exif_(?:imagetype|tagname|thumbnail)|finfo_open|get_meta_tags|getlastmod|gz(?:compress|deflate|encode|file)|hash_(?:hmac|update)_file|(?:md5|sha1)_file|parse_ini_file|readgzfile|image2wbmp|imagecreatefrom[a-z0-9]+|imagegd2?|iptcembed|mb_eregi?(?:_match|_replace(?:_callback)?)?|mb_parse_str|php_strip_whitespace|phpversion|session_set_save_handler|set_(?:error|exception)_handler|set_include_path|set_magic_quotes_runtime|setdefaultstub|spl_autoload_register|sqlite_(?:array_query|create_aggregate|create_function|exec|open|popen|query|single_query|unbuffered_query)|stream_context_create|zlib_decode|html_entity_decode|htmlspecialchars_decode|stripcslashes|(?:function|method|class)_exists|mysql_query|odbc_(?:connect|exec|execute|result(?:_all)?)|ob_(?:start|get_(?:clean|contents|flush)|end_(?:clean|flush))";

/// `php.ini` directives that a request sets through an injected `ini_set`, `.user.ini` or
/// `-d` option: what turns code execution, file inclusion, error display or mail on, the
/// resource limits an attacker raises, and the extensions' settings (`mssql.*`, `oci8.*`,
/// `com.allow_dcom`). Each is PHP's own name (no other configuration spells it so); the dotted
/// families (`session.*`, `opcache.*`, ...) are matched by prefix. Names any configuration
/// has (`user_agent`, `input_encoding`) stay out. Sorted.
const DIRECTIVES: &[&str] = &[
    "allow_call_time_pass_reference", "allow_url_fopen", "allow_url_include", "always_populate_raw_post_data",
    "arg_separator.input", "arg_separator.output", "asp_tags", "auto_append_file", "auto_detect_line_endings",
    "auto_globals_jit", "auto_prepend_file", "bcmath.scale", "birdstep.max_links", "browscap", "child_terminate",
    "cli_server.color", "com.allow_dcom", "com.autoregister_casesensitive", "com.autoregister_typelib",
    "com.autoregister_verbose", "com.code_page", "com.dotnet_version", "com.typelib_file", "curl.cainfo",
    "date.default_latitude", "date.default_longitude", "date.sunrise_zenith", "date.sunset_zenith", "date.timezone",
    "dba.default_handler", "default_charset", "default_mimetype", "default_socket_timeout",
    "define_syslog_variables", "detect_unicode", "disable_classes", "disable_functions", "display_errors",
    "display_startup_errors", "doc_root", "docref_ext", "docref_root", "enable_dl", "enable_post_data_reading",
    "engine", "error_append_string", "error_log", "error_prepend_string", "error_reporting", "exif.decode_jis_intel",
    "exif.decode_jis_motorola", "exif.decode_unicode_intel", "exif.decode_unicode_motorola", "exif.encode_jis",
    "exif.encode_unicode", "exit_on_timeout", "expose_php", "extension_dir", "ffi.enable", "ffi.preload",
    "file_uploads", "filter.default", "filter.default_flags", "gd.jpeg_ignore_warning", "hard_timeout",
    "highlight.bg", "highlight.comment", "highlight.default", "highlight.html", "highlight.keyword",
    "highlight.string", "html_errors", "ibase.allow_persistent", "ibase.dateformat", "ibase.default_charset",
    "ibase.default_db", "ibase.default_password", "ibase.default_user", "ibase.max_links", "ibase.max_persistent",
    "ibase.timeformat", "ibase.timestampformat", "iconv.input_encoding", "iconv.internal_encoding",
    "iconv.output_encoding", "ignore_repeated_errors", "ignore_repeated_source", "ignore_user_abort",
    "imap.enable_insecure_rsh", "implicit_flush", "include_path", "intl.default_locale", "intl.error_level",
    "intl.use_exceptions", "ldap.max_links", "log_errors", "log_errors_max_len", "magic_quotes_gpc",
    "magic_quotes_runtime", "magic_quotes_sybase", "max_execution_time", "max_file_uploads",
    "max_input_nesting_level", "max_input_time", "max_input_vars", "mcrypt.algorithms_dir", "mcrypt.modes_dir",
    "memory_limit", "mssql.allow_persistent", "mssql.batchsize", "mssql.charset", "mssql.compatability_mode",
    "mssql.connect_timeout", "mssql.datetimeconvert", "mssql.max_links", "mssql.max_persistent", "mssql.max_procs",
    "mssql.min_error_severity", "mssql.min_message_severity", "mssql.secure_connection", "mssql.textlimit",
    "mssql.textsize", "mssql.timeout", "mysql.allow_local_infile", "mysql.allow_persistent", "mysql.cache_size",
    "mysql.connect_timeout", "mysql.default_host", "mysql.default_password", "mysql.default_port",
    "mysql.default_socket", "mysql.default_user", "mysql.max_links", "mysql.max_persistent", "mysql.trace_mode",
    "oci8.connection_class", "oci8.default_prefetch", "oci8.events", "oci8.max_persistent",
    "oci8.old_oci_close_semantics", "oci8.persistent_timeout", "oci8.ping_interval", "oci8.privileged_connect",
    "oci8.statement_cache_size", "odbc.allow_persistent", "odbc.check_persistent", "odbc.default_db",
    "odbc.default_pw", "odbc.default_user", "odbc.defaultbinmode", "odbc.defaultlrl", "odbc.max_links",
    "odbc.max_persistent", "open_basedir", "openssl.cafile", "openssl.capath", "output_buffering", "output_handler",
    "pdo_odbc.connection_pooling", "pgsql.allow_persistent", "pgsql.auto_reset_persistent", "pgsql.ignore_notice",
    "pgsql.log_notice", "pgsql.max_links", "pgsql.max_persistent", "post_max_size", "realpath_cache_size",
    "realpath_cache_ttl", "register_argc_argv", "register_globals", "register_long_arrays", "report_memleaks",
    "report_zend_debug", "request_order", "safe_mode", "safe_mode_allowed_env_vars", "safe_mode_exec_dir",
    "safe_mode_gid", "safe_mode_include_dir", "safe_mode_protected_env_vars", "sendmail_from", "sendmail_path",
    "serialize_precision", "short_open_tag", "smtp", "smtp_port", "soap.wsdl_cache_dir", "soap.wsdl_cache_enabled",
    "soap.wsdl_cache_limit", "soap.wsdl_cache_ttl", "sql.safe_mode", "sqlite.assoc_case", "sqlite3.defensive",
    "sqlite3.extension_dir", "sybct.allow_persistent", "sybct.deadlock_retry_count", "sybct.hostname",
    "sybct.login_timeout", "sybct.max_links", "sybct.max_persistent", "sybct.min_client_severity",
    "sybct.min_server_severity", "sybct.timeout", "sys_temp_dir", "syslog.facility", "syslog.filter", "syslog.ident",
    "sysvshm.init_mem", "tidy.clean_output", "tidy.default_config", "track_errors", "unserialize_callback_func",
    "unserialize_max_depth", "upload_max_filesize", "upload_tmp_dir", "url_rewriter.tags", "variables_order",
    "xbithack", "xmlrpc_error_number", "xmlrpc_errors", "y2k_compliance", "zend_extension",
];

/// Directive families matched by prefix (`session.save_path`, `opcache.enable`).
const DIRECTIVE_PREFIXES: &[&str] = &[
    "assert.", "cgi.", "fastcgi.", "mail.", "mbstring.", "mysqli.", "mysqlnd.", "opcache.", "pcre.", "pdo_mysql.", "phar.", "session.",
    "suhosin.", "user_ini.", "xdebug.", "zend.", "zlib.",
];

/// Gate for `=`: a directive is set (`memory_limit = 512M`, `session.save_path=`).
fn directive_set(b: &[u8], s: usize, _e: usize) -> bool {
    let mut end = s;
    while end > 0 && matches!(b[end - 1], b' ' | b'\t') {
        end -= 1;
    }
    let mut start = end;
    while start > 0 && end - start < 40 && (is_word(b[start - 1]) || b[start - 1] == b'.') {
        start -= 1;
    }
    let mut buf = [0u8; 40];
    let name = &mut buf[..end - start];
    name.copy_from_slice(&b[start..end]);
    name.make_ascii_lowercase();
    // `extension` is every file's word too: only loading a library counts (see the rule).
    in_sorted(DIRECTIVES, name) || DIRECTIVE_PREFIXES.iter().any(|p| name.len() > p.len() && name.starts_with(p.as_bytes())) || name == b"extension"
}

/// Function names other languages share with PHP that are also words of prose or of an API's
/// vocabulary (`system (admin)`, `include (optional)`, `unlink (account)`): not PHP's signature
/// on their own in a URL. (C's `fopen`, `fwrite`, `popen` are no word: called in a URL, they are
/// code whatever the language.)
const SHARED_NAMES: &[&str] = &["assert", "eval", "exec", "include", "require", "system", "unlink", "unpack"];

/// PHP function names that are also English words: in a URL they count only glued to their `(`.
const ENGLISH_NAMES: &[&str] = &["extract", "serialize"];

/// Functions that run a command or code when called, also by name from a string. A regex.
const RUNS: &str = "system|exec|shell_exec|passthru|popen|proc_open|pcntl_exec|assert|create_function|call_user_func(?:_array)?|array_map|preg_replace|phpinfo";

/// The risky functions JavaScript, Python, Perl or C share with PHP: `require("fs")`,
/// `eval("x")`, `system("clear")` with a plain string are a code snippet in a body's text field
/// (a gist, a support ticket), so there only a variable, a backquote or a computed argument
/// (`eval(base64_decode(`) makes the call High; elsewhere (a URL, header, form) any argument does.
const SHARED_RISKY: &str = "system|exec|popen|eval|assert|include(?:_once)?|require(?:_once)?|unpack";

/// The risky functions only PHP has. A regex.
const PHP_RISKY: &str = "shell_exec|passthru|proc_open|pcntl_exec|create_function|call_user_func(?:_array)?|file_put_contents|move_uploaded_file|fsockopen|preg_replace|array_map|show_source|readfile|file_get_contents|phpinfo|unserialize|base64_decode|gzinflate|str_rot13|ini_set|curl_exec";

/// Name prefixes of PHP extensions whose functions no other language or library spells so
/// (`odbc_exec`, `tidy_parse_string`, `sodium_crypto_box_keypair`, `posix_getpwuid`): a call to
/// any of them outside a JSON text field is PHP code, however new or obscure the function. Prefixes
/// that other code shares stay out (`pg_` is PostgreSQL's too, `sodium_` libsodium's, `mb_`,
/// `ob_` and `stream_` are ordinary identifier stems, `shm_`, `ldap_`, `curl_` and `zip_` C
/// libraries'). The database clients PHP had or has (`mssql_query`, `sqlsrv_connect`,
/// `oci_execute`, `ibase_query`, `db2_exec`, `dba_open`) name their functions so too, and so do
/// intl (`intlcal_get`, `datefmt_create`, `collator_sort`). Sorted.
const EXTENSION_PREFIXES: &[&str] = &[
    "apache_", "apcu_", "collator_", "ctype_", "cubrid_", "datefmt_", "db2_", "dba_", "enchant_", "fbsql_",
    "finfo_", "gmp_", "grapheme_", "ibase_", "iconv_", "imap_", "ingres_", "intl_", "intlcal_", "intlgregcal_",
    "intltz_", "libxml_", "maxdb_", "mcrypt_", "msgfmt_", "msql_", "mssql_", "mysql_", "mysqli_", "normalizer_",
    "numfmt_", "oci_", "odbc_", "opcache_", "openssl_", "pcntl_", "posix_", "readline_", "resourcebundle_",
    "runkit7_", "shmop_", "sodium_crypto_", "spl_", "sqlsrv_", "sybase_", "tidy_", "transliterator_", "uopz_",
    "xmlrpc_", "xmlwriter_", "yaml_",
];

/// PHP's PostgreSQL client functions (`pg_connect`, `pg_fetch_assoc`, `pg_enter_pipeline_mode`),
/// by stem: PostgreSQL's own SQL functions share the `pg_` prefix (`pg_size_pretty(` in an admin
/// console's query), so only the client API's names count. A regex.
const PGSQL_CLIENT: &str = "pg_(?:p?connect|query|send_|fetch_|lo_|escape_|unescape_|enter_pipeline|exit_pipeline|pipeline_|prepare|execute|num_|affected_rows|free_result|last_|result_|field_|copy_|meta_data|convert|insert|update|delete|select|close|ping|connection_|transaction_status|put_line|end_copy|set_error|set_client|consume_input|socket|change_password|cancel_query|get_notify|get_pid|get_result|dbname|trace|untrace)[a-z0-9_]*";

/// The whole word ending at `end` (past spaces), lower-cased into `buf`; empty when longer than
/// the buffer (PHP's longest function names are about 50 bytes).
fn name_before<'b>(b: &[u8], end: usize, buf: &'b mut [u8; 64]) -> &'b [u8] {
    let mut end = end;
    while end > 0 && matches!(b[end - 1], b' ' | b'\t') {
        end -= 1;
    }
    let mut start = end;
    while start > 0 && end - start < buf.len() && is_word(b[start - 1]) {
        start -= 1;
    }
    if start > 0 && is_word(b[start - 1]) {
        return &[];
    }
    let w = &mut buf[..end - start];
    w.copy_from_slice(&b[start..end]);
    w.make_ascii_lowercase();
    w
}

/// Whether a lower-cased word is a PHP extension function's name: one of [`EXTENSION_PREFIXES`]
/// (or the PostgreSQL client's `pg_`, which [`PGSQL_CLIENT`] narrows) and more.
fn is_extension_function(w: &[u8]) -> bool {
    // PERF: every prefix ends in `_`; most words before a parenthesis have none.
    if !w.contains(&b'_') {
        return false;
    }
    EXTENSION_PREFIXES.iter().chain(&["pg_"]).any(|p| w.len() > p.len() && w.starts_with(p.as_bytes()))
}

/// Whether the word ending at `end` (past spaces) names a PHP function: a risky one, a PHP-only
/// built-in, or an extension's function.
fn is_php_function(b: &[u8], end: usize) -> bool {
    let mut buf = [0u8; 64];
    let w = name_before(b, end, &mut buf);
    in_sorted(CALLS, w) || in_sorted(PHP_ONLY, w) || is_extension_function(w)
}

/// Gate for `(` after a string, a parenthesis or an index: PHP 7 calls a function named by any
/// expression (`"system"(`, `(system)(`, `['system'][0](`), so look past those for the name.
fn dynamic_call(b: &[u8], s: usize, _e: usize) -> bool {
    let mut i = s;
    let mut steps = 0;
    while i > 0 && steps < 16 && matches!(b[i - 1], b' ' | b')' | b']' | b'[' | b'\'' | b'"' | b'`' | b'0'..=b'9') {
        i -= 1;
        steps += 1;
    }
    let mut buf = [0u8; 24];
    i < s && in_sorted(CALLS, word_before(b, i, &mut buf))
}

/// Gate for `(`: a PHP call to one of [`CALLS`]; spaces, a `/* */` comment or a line comment
/// may sit between the name and the parenthesis (`exec /*x*/ (`, `exec#\n(`).
fn php_call(b: &[u8], s: usize, _e: usize) -> bool {
    let mut i = s;
    for _ in 0..2 {
        while i > 0 && b[i - 1] <= b' ' && b[i - 1] != b'\n' {
            i -= 1;
        }
        if i >= 2 && &b[i - 2..i] == b"*/" {
            match b[..i - 2].windows(2).rev().take(256).position(|w| w == b"/*") {
                Some(p) => i -= 2 + p + 2,
                None => return false,
            }
        } else if i > 0 && b[i - 1] == b'\n' {
            // The `(` opens its line: the name ends the previous line, before any line comment.
            let line_start = b[..i - 1].iter().rposition(|&c| c == b'\n').map_or(0, |p| p + 1);
            let line = &b[line_start..i - 1];
            i = line_start + line.iter().position(|&c| c == b'#').or_else(|| line.windows(2).position(|w| w == b"//")).unwrap_or(line.len());
        } else {
            break;
        }
    }
    is_php_function(b, i)
}

/// Gate for `(`: a PHP function called by name or through an expression.
fn call(b: &[u8], s: usize, e: usize) -> bool {
    php_call(b, s, e) || dynamic_call(b, s, e) || built_name_call(b, s) || escaped_string_call(b, s)
}

/// Whether the `(` at `open` calls a parenthesized concatenation (`(sy.(st).em)(`,
/// `(s.y.s.t.e.m)(`, `($a.$b)(`): PHP joins bare words and variables with `.` into the name of the
/// function it calls, which is how a payload spells `system` without the word. The group must
/// hold a `.` and be only words, dots, quotes, spaces and parentheses; it is a call when its
/// letters spell one of [`CALLS`] or it joins variables. Reads at most 96 bytes back.
fn built_name_call(b: &[u8], open: usize) -> bool {
    let Some(close) = super::gate::prev_non_space(b, open).filter(|&j| b[j] == b')') else {
        return false;
    };
    let (mut depth, mut dot, mut variable) = (0usize, false, false);
    let mut name = [0u8; 32];
    let mut n = 0;
    let mut i = close + 1;
    while i > 0 && close + 1 - i < 96 {
        i -= 1;
        let c = b[i];
        match c {
            b')' => depth += 1,
            b'(' => {
                depth -= 1;
                if depth == 0 {
                    if !dot {
                        return false;
                    }
                    name[..n].reverse();
                    return variable || in_sorted(CALLS, &name[..n]);
                }
            }
            b'.' => dot = true,
            b'$' => variable |= b.get(i + 1).is_some_and(|&c| c.is_ascii_alphabetic() || c == b'_'),
            b'\'' | b'"' | b' ' | b'\t' => {}
            c if is_word(c) => {
                if n == name.len() {
                    return false;
                }
                name[n] = c.to_ascii_lowercase();
                n += 1;
            }
            _ => return false,
        }
    }
    false
}

/// The first `(` in `b` that [`built_name_call`] says calls a built name.
fn first_built_name_call(b: &[u8]) -> Option<usize> {
    b.iter().enumerate().filter(|&(_, &c)| c == b'(').map(|(i, _)| i).find(|&i| built_name_call(b, i))
}

/// Whether the `(` at `open` follows a string that ends in an octal or hex escape
/// (`"\163\171\163\164\145\155"(`): a function name spelled by character codes.
fn escaped_string_call(b: &[u8], open: usize) -> bool {
    super::gate::prev_non_space(b, open).is_some_and(|q| matches!(b[q], b'"' | b'\'') && q > 0 && b[..q].iter().rev().take(4).any(|&c| c == b'\\'))
}

/// Undoes string concatenation (`"sys"."t".'em'` is `"system"`), so a function name built from
/// pieces reads whole. `None` when there is none.
fn join_strings(text: &str) -> Option<String> {
    let b = text.as_bytes();
    let is_quote = |c: u8| c == b'\'' || c == b'"';
    let mut out = String::with_capacity(text.len());
    let mut joined = false;
    let mut i = 0;
    while i < b.len() {
        if is_quote(b[i]) {
            let dot = skip_space(b, i + 1);
            let next = skip_space(b, dot + 1);
            if b.get(dot) == Some(&b'.') && b.get(next).is_some_and(|&c| is_quote(c)) {
                i = next + 1;
                joined = true;
                continue;
            }
        }
        let len = text[i..].chars().next().map_or(1, char::len_utf8);
        out.push_str(&text[i..i + len]);
        i += len;
    }
    joined.then_some(out)
}

fn starts_with_ignoring_case(b: &[u8], prefix: &[u8]) -> bool {
    b.get(..prefix.len()).is_some_and(|h| h.eq_ignore_ascii_case(prefix))
}

/// Gate for `$`: a superglobal or a variable called as a function (`$_GET`, `$f(`).
fn php_variable(b: &[u8], _s: usize, e: usize) -> bool {
    let rest = &b[e.min(b.len())..];
    if rest.first() == Some(&b'_') || (rest.first() == Some(&b'{') && rest.iter().skip(1).take(3).any(|&c| c == b'_')) || starts_with_ignoring_case(rest, b"globals") || starts_with_ignoring_case(rest, b"http_") || starts_with_ignoring_case(rest, b"php_errormsg") {
        return true;
    }
    let n = rest.iter().take(24).take_while(|c| c.is_ascii_alphanumeric() || **c == b'_').count();
    let after = skip_space_comments(rest, n);
    match rest.get(after) {
        Some(b'(') => n > 0,
        // `${"x"}(`, `$a{1}(`, `$a[0](`: a name or an element called as a function.
        Some(&open @ (b'{' | b'[')) => {
            let close = if open == b'{' { b'}' } else { b']' };
            rest[after..].iter().take(42).position(|&c| c == close).is_some_and(|p| rest.get(skip_space(rest, after + p + 1)) == Some(&b'('))
        }
        _ => false,
    }
}

impl Php {
    pub fn new() -> Result<Php, String> {
        // Functions worth a finding when called at all.
        let risky = format!("{SHARED_RISKY}|{PHP_RISKY}");
        let spaced_call = format!(r#"(?:^|[;{{}}()\s'"=])(?:{risky})(?:\s*/\*.*?\*/\s*|\s*(?:#|//)[^\n]*\n\s*|[\t\n\r\x0b\x0c]\s*)\(|\b(?:{risky})\s*\(\s*[$`]|\b(?:{PHP_RISKY})\s*\(\s*['")]|\b(?:eval|assert|system|exec|popen)\s*\(\s*[a-z_][a-z0-9_.]*\s*\("#);
        let shared_call = format!(r#"\b(?:{SHARED_RISKY})\s*\(\s*['")]"#);
        let named_call = format!(r#"(?:^|[;{{}}()\s'"=])(?:{risky})\s*\("#);
        let command_call = format!(r#"\b(?:system|exec|shell_exec|passthru|popen|proc_open|pcntl_exec)\((?:\s*["'`])?\s*{}\b"#, super::cmdi::strong_commands());
        let dynamic = format!(r#"(?:["'`]\s*(?:{RUNS})\s*["'`]|\(\s*(?:{RUNS})\s*\)|\[\s*["'`](?:{RUNS})["'`]\s*\]|\[\s*(?:{RUNS})\s*\]\s*\[\s*\d+\s*\])[)\]]*(?:\[\s*\d+\s*\])*[)\]]*(?:\(|\s+\(\s*["'$)])"#);
        // `define('z', 'sys'.'tem')`, `define('z', [['system']])`: a constant holding a function's
        // name, called later through it (`z('id')`, `(z)[0][0]('id')`). Read on the joined form.
        let define = format!(r#"\bdefine\s*\(\s*['"][a-z_][a-z0-9_]*['"]\s*,\s*[\[\s]*['"](?:{RUNS})['"]"#);
        let directive = format!(
            r"(?:^|[\s;&])(?:{}|phar\.readonly|cgi\.(?:force_redirect|fix_pathinfo|redirect_status_env)|session\.(?:save_path|save_handler|serialize_handler|use_trans_sid|use_only_cookies|use_cookies|use_strict_mode|cookie_httponly|cookie_secure|referer_check|auto_start|upload_progress\.[a-z_]+)|suhosin\.[a-z.]+|mail\.(?:add_x_header|log|force_extra_parameters)|assert\.(?:active|callback|exception|warning|bail)|(?:opcache|xdebug|zend|mbstring|pcre|mysqli|mysqlnd|pdo_mysql|fastcgi)\.[a-z_]+[a-z_.]*|zlib\.output_[a-z_]+|phar\.[a-z_]+|user_ini\.(?:filename|cache_ttl))\s*=\s*\S|(?:^|[\s;&])(?:disable_functions|disable_classes|open_basedir)\s*=\s*$|(?:^|[\s;&])extension\s*=\s*\S*\.(?:so|dll)\b",
            DIRECTIVES.iter().map(|d| d.replace('.', r"\.")).collect::<Vec<_>>().join("|")
        );
        let table = [
            (r"<\?(?:php\b|=\s*[$`a-z_(])", Critical, 0.9, "PHP opening tag"),
            // The short tag `<? ` opening a statement (`<? echo `id`; ?>`); `<?xml` has no space.
            (r"<\?\s+(?:echo|print|die|exit|system|exec|passthru|shell_exec|eval|assert|include|require|readfile|phpinfo)\b|<\?\s+(?:\$[a-z_]|`)", Critical, 0.9, "PHP short opening tag"),
            // `[php]...[/php]`: the tags some CMSs and forum engines run as PHP.
            (r"\[[/\\]?php\]", High, 0.8, "PHP block tag"),
            (dynamic.as_str(), Critical, 0.9, "PHP function called by a string or expression"),
            (command_call.as_str(), High, 0.85, "PHP call running a shell command"),
            (spaced_call.as_str(), High, 0.8, "PHP function call"),
            (named_call.as_str(), Medium, 0.6, "PHP function name called"),
            (r"\bchr\s*\(\s*\d+\s*\)\s*\.\s*chr\s*\(", High, 0.8, "PHP string built from chr()"),
            (define.as_str(), Critical, 0.9, "PHP constant defined as a command function's name"),
            (r#"["'](?:\\(?:[0-7]{1,3}|x[0-9a-f]{1,2}))+["']\s*\("#, Critical, 0.9, "PHP function named by character escapes"),
            // A data: URL whose content is PHP, by media type or by its base64 opening `<?`
            // (`PD9`, `PD8`): what `include`, `file_get_contents` or `allow_url_include` run.
            (r#"data:\s*(?:application|text)/(?:x-)?(?:httpd-)?php[a-z0-9.+-]*\s*[;,]|data:[^,\s]{0,60};\s*base64\s*,\s*pd[89]"#, Critical, 0.9, "PHP code in a data: URL"),
            (r#"\$_(?:get|post|request|cookie|server|files|env|session)\b|\$globals\b|\$http_(?:raw_post_data|response_header|post_files|(?:get|post|cookie|server|env|session|post_files)_vars)\b|\$php_errormsg\b|\$\{\s*['"]?_(?:get|post|request|cookie|server|files|env|session)\b"#, High, 0.8, "PHP superglobal"),
            (r#"\$[a-z_][a-z0-9_]*\s*\(|\$_(?:get|post|request|cookie)\s*\[[^\]]*\]\s*\("#, High, 0.8, "PHP variable function"),
            (r#"(?:^|[;&\s"'=\[{(])[oc]:\+?\d+:"[a-z_\\][a-z0-9_\\]*":\+?\d+:\{"#, Critical, 0.9, "PHP serialized object"),
            (r#"(?:^|[;&\s"'=\[{(])a:\d+:\{(?:[is]:\d+(?::"[^"]*")?;)"#, High, 0.75, "PHP serialized array"),
            (directive.as_str(), High, 0.75, "PHP configuration directive"),
            (r"(?:^|[^a-z])(?:php://(?:input|output|filter|memory|temp|fd|std(?:in|out|err))|phar://|zlib://|glob://|expect://|compress\.(?:zlib|bzip2)://|bzip2://|ssh2\.(?:shell|exec|tunnel|sftp|scp)://|rar://|ogg://|zip://|data://[a-z]+/)", Critical, 0.9, "PHP stream wrapper"),
            (r"\bpreg_replace\s*\(\s*['\x22][/#~|!@%][^'\x22]*[/#~|!@%][a-z]*e[a-z]*['\x22]", Critical, 0.9, "preg_replace /e"),
            (r"(?:^|[\s;'\x22=(])(?:phpinfo|shell_exec|passthru|proc_open|pcntl_exec|create_function)\s*$", Medium, 0.6, "PHP function name"),
        ];
        // Names other languages share (`eval`, `exec`, `require`, `fopen`) are left to the rules
        // above; names that are also English words (`extract (the archive)`) count only glued to
        // their `(`.
        let (compound, plain): (Vec<&str>, Vec<&str>) = CALLS
            .iter()
            .chain(PHP_ONLY)
            .filter(|n| !SHARED_NAMES.contains(n))
            .partition(|n| !ENGLISH_NAMES.contains(n));
        let strict_call = format!(
            r"(?:^|[^a-z0-9_$>:.\\])(?:(?:{}|(?:{})[a-z0-9_]+|{PGSQL_CLIENT})(?:\s|/\*[^*]*\*/|(?://|#)[^\n]*\n)*|(?:{}))\(",
            compound.join("|"),
            EXTENSION_PREFIXES.join("|"),
            plain.join("|")
        );
        // A name as the whole value or set apart as code (quoted, assigned, listed, passed);
        // named in a sentence (`I used set_error_handler`) it is prose.
        let bare_name = format!(r#"(?:^\s*|['"`=,(\[]\s*)(?:{BARE_NAMES})\s*(?:$|['"`),\];(])"#);
        Ok(Php {
            rules: Rules::new(super::Family::Php, &table)?,
            strict_rules: Rules::new(
                super::Family::Php,
                &[
                    (strict_call.as_str(), High, 0.7, "PHP function call outside a JSON text"),
                    (shared_call.as_str(), High, 0.8, "PHP function call"),
                    (bare_name.as_str(), High, 0.7, "high-risk PHP function name outside a JSON text"),
                    // `chr(123)`: a character spelled by its code, how a payload hides the
                    // letters a filter looks for; no URL, form or XML value of an API is one.
                    (r"\bchr\s*\(\s*\d{1,3}\s*\)", High, 0.7, "character built from its code"),
                    // `${"x"}(`, `$a{1}(`, `$a[0](`: a variable's name or element called as a
                    // function (a template placeholder in a JSON text is left alone).
                    (r#"\$\{\s*(?:['"][^{}]{0,40}|[^{}]{0,40}[.('"][^{}]{0,40})\}\s*\(|\$[a-z_][a-z0-9_]*\s*(?:\{[^{}]{0,40}\}|\[[^\[\]]{0,40}\]|(?:/\*[^*]{0,40}\*/\s*)+)\s*\("#, High, 0.8, "PHP variable function"),
                    (r#"^\s*["']?phpinfo["']?\s*;?\s*$"#, High, 0.7, "phpinfo probe"),
                ],
            )?,
            // A script extension at the end (also past trailing dots, slashes and spaces), or before what
            // a Windows server cuts off: an NTFS stream (`::$DATA`), IIS's `;`.
            // Server configuration, the dotfiles a shell or tool runs or trusts on login
            // (`.bashrc`, `.netrc`, `.gitconfig`), and an application's own configuration,
            // dependency manifest or build script (`config.yml`, `composer.json`,
            // `webpack.config.js`): planting one is code execution or access later.
            upload: super::regex(&format!(r"\.\s*(?:{SCRIPT_EXTENSIONS})(?:[./\s]*$|::\$data|;)|(?:^|[/\\])(?:\.htaccess|\.htpasswd|\.htdigest|\.user\.ini|php\d?\.ini|\.env|web\.config|wp-config[^/\\]*|\.(?:bashrc|bash_profile|bash_login|bash_logout|profile|zshrc|zprofile|zshenv|zlogin|cshrc|tcshrc|kshrc|rhosts|shosts|netrc|pgpass|my\.cnf|forward|gitconfig|gitattributes|gitignore|gitlab-ci\.yml|travis\.yml|npmrc|pearrc|procmailrc|vimrc|viminfo|exrc|xauthority|ds_store|(?:bash|sh|zsh|ksh|mysql|psql|php|python|node_repl|sqlite|rediscli|nano|lldb)_history)|desktop\.ini|thumbs\.db|composer\.(?:json|lock)|package(?:-lock)?\.json|npm-shrinkwrap\.json|yarn\.lock|bower\.json|auth\.json|sftp-config\.json|config(?:_(?:dev|prod|test))?\.(?:yml|php)|(?:database|parameters|routing|security|services)\.yml|(?:default\.)?settings(?:\.local|\.inc)?\.php|parameters\.php|local\.xml|weblogic\.xml|soapconfig\.xml|gruntfile\.js|webpack\.config\.js)[.\s]*$"))?,
            // The script extension spaced from its dot, or followed by what a Windows server cuts
            // off (trailing dots, slashes and spaces, an NTFS stream, IIS's `;`).
            upload_evasion: super::regex(&format!(r"\.(?:\s+(?:{SCRIPT_EXTENSIONS})(?:[./\s]*$|::\$data|;)|(?:{SCRIPT_EXTENSIONS})(?:[./\s]+$|::\$data|;))"))?,
        })
    }
}

impl Check for Php {
    fn triggers(&self) -> &'static [Trigger] {
        const T: &[Trigger] = &[
            lit("<?php"),
            lit("<?="),
            lit("<? "),
            lit("<?\t"),
            lit("<?\n"),
            gated("(", call),
            lit("\".\""),
            lit("'.'"),
            lit("\".'"),
            lit("'.\""),
            lit("\" . \""),
            lit("' . '"),
            lit("\" . '"),
            lit("' . \""),
            lit("chr("),
            gated("$", php_variable),
            lit(":{"),
            gated("=", directive_set),
            lit("php://"),
            lit("phar://"),
            lit("zlib://"),
            lit("glob://"),
            lit("expect://"),
            lit("compress."),
            lit("ssh2."),
            lit("rar://"),
            lit("ogg://"),
            lit("zip://"),
            lit("data://"),
            lit("phpinfo"),
            lit("shell_exec"),
            lit("passthru"),
            lit("proc_open"),
            lit("pcntl_exec"),
            lit("create_function"),
            lit("[php]"),
            lit("[/php]"),
            lit("[\\php]"),
            lit("bzip2://"),
            // The stems of [`BARE_NAMES`].
            lit("__halt_compiler"),
            lit("apache_child"),
            lit("base64_decode"),
            lit("bzdecompress"),
            lit("call_user_func"),
            lit("convert_uu"),
            lit("curl_"),
            lit("escapeshell"),
            lit("exif_data"),
            lit("exif_read"),
            lit("_contents"),
            lit("sockopen"),
            lit("ftp_"),
            lit("get_cfg_var"),
            lit("get_current_user"),
            lit("get_defined_"),
            lit("get_class_"),
            lit("getmy"),
            lit("gzdecode"),
            lit("gzinflate"),
            lit("gzuncompress"),
            lit("header_register"),
            lit("highlight_file"),
            lit("ini_get_all"),
            lit("ini_set"),
            lit("iterator_apply"),
            lit("move_uploaded"),
            lit("pcntl_"),
            lit("php_uname"),
            lit("posix_"),
            lit("preg_replace_callback"),
            lit("proc_"),
            lit("_function"),
            lit("runkit_"),
            lit("show_source"),
            lit("simplexml_"),
            lit("str_rot13"),
            lit("stream_socket"),
            lit("sys_get_temp"),
            lit("array_diff_u"),
            lit("array_intersect_u"),
            lit("array_udiff"),
            lit("array_uintersect"),
            lit("bzopen"),
            lit("debug_backtrace"),
            lit("exif_"),
            lit("finfo_open"),
            lit("get_meta_tags"),
            lit("getlastmod"),
            lit("gzcompress"),
            lit("gzdeflate"),
            lit("gzencode"),
            lit("gzfile"),
            lit("md5_file"),
            lit("sha1_file"),
            lit("hash_hmac_file"),
            lit("hash_update_file"),
            lit("parse_ini_file"),
            lit("readgzfile"),
            lit("image2wbmp"),
            lit("imagecreatefrom"),
            lit("imagegd"),
            lit("iptcembed"),
            lit("mb_ereg"),
            lit("mb_parse_str"),
            lit("php_strip"),
            lit("phpversion"),
            lit("session_set_save"),
            lit("set_error_handler"),
            lit("set_exception_handler"),
            lit("set_include_path"),
            lit("set_magic_quotes"),
            lit("setdefaultstub"),
            lit("spl_autoload"),
            lit("sqlite_"),
            lit("stream_context"),
            lit("zlib_decode"),
            lit("html_entity_decode"),
            lit("htmlspecialchars_decode"),
            lit("stripcslashes"),
            lit("function_exists"),
            lit("method_exists"),
            lit("class_exists"),
            lit("mysql_query"),
            lit("odbc_"),
            lit("ob_start"),
            lit("ob_get_"),
            lit("ob_end_"),
            gated("define", call_follows),
            lit("base64,pd9"),
            lit("base64,pd8"),
            lit("x-httpd-php"),
            lit("/x-php"),
            lit("text/php"),
            lit("application/php"),
        ];
        T
    }

    fn wakes_on(&self, _part: Part, _ty: ValueType) -> bool {
        true
    }

    fn wake(&self, text: &[u8], field: &crate::fields::Field<'_>) -> bool {
        // An upload's file name: its extension is checked against the script list.
        text.len() < 256 && is_file_name(&field.name) && text.iter().rev().take(12).any(|&c| c == b'.')
    }

    fn check(&self, s: &Subject<'_>) -> Option<Hit> {
        if is_file_name(s.name) {
            // A file name in a JSON text field is data (`"filename": "settings.php"` in a file
            // listing): only the shapes that dodge an extension check are an upload attack there.
            if !is_json_text(s) && self.upload.is_match(s.text) {
                return Some(Hit::new(Family::Php, High, 0.9, 0, "script or server configuration file name in an upload"));
            }
            if is_json_text(s) && self.upload_evasion.is_match(s.text) {
                return Some(Hit::new(Family::Php, High, 0.9, 0, "script file name dressed to pass an extension check"));
            }
        }
        if let Some(at) = first_built_name_call(s.text.as_bytes()) {
            return Some(Hit::new(Family::Php, Critical, 0.9, at, "PHP function called by a name built from pieces"));
        }
        let joined = join_strings(s.text);
        let hit = self.rules.best_either(s.text, joined.as_deref());
        if !is_json_text(s) {
            return stronger(hit, self.strict_rules.best(s.text));
        }
        hit
    }
}


#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::fields::{Part, ValueType};

    #[test]
    fn name_lists_are_sorted() {
        assert!(super::CALLS.windows(2).all(|w| w[0] < w[1]));
        assert!(super::PHP_ONLY.windows(2).all(|w| w[0] < w[1]));
        assert!(super::DIRECTIVES.windows(2).all(|w| w[0] < w[1]));
        assert!(super::EXTENSION_PREFIXES.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn catches_php() {
        assert_family(
            "attack.php",
            &[
                "<?php system($_GET['c']); ?>",
                "<?= `id` ?>",
                "eVAl(\"echo 10000000000-245205634;\");",
                "exec /*comment*/ ()",
                "exec\t(blah)",
                "exec#\n (blah)",
                "system('id')",
                "$_SERVER['HTTP_HOST']",
                "O:8:\"stdClass\":1:{s:1:\"a\";i:2;}",
                "allow_url_include=On",
                "php://input",
                "$f($x)",
                "('exec')('id')",
                "(passthru)(\"ls\")",
                "x=\"sys\" . 'tem'(\"id\");",
                "['shell_exec'][0]('id')",
                "[system][0](uname)",
                "return'assert'($_POST[1]);",
                "shell_exec(id)",
                "exec(\"cat /etc/hosts\")",
                "assert(chr(115).chr(121))",
                "session.save_path=/tmp/x",
            ],
            &[
                "eval",
                "the files (yep)",
                "A loaded ghost gun (unserialized) was recovered",
                "Moreover, phpinfo can potentially leak details",
                "Price: $5 (approx)",
                "openlogfile(foo)",
                "See the system (docs) for details",
                "engine is ready",
                "Try \"system\" (the command) later",
                "See [system](https://example.com/system) and [exec](#exec)",
                "The operating system (time-sharing) was new",
                "a 'b'.'c' label",
                "strip_tags() removes markup",
                "pg_dump (9.6) output",
            ],
        );
        let at = |part, v: &str| scan_at(part, ValueType::Text, "q", v).iter().any(|f| f.kind == "attack.php" && f.weight() >= 0.5);
        let in_json = |v: &str| scan_at(Part::Body, ValueType::Text, "$.q", v).iter().any(|f| f.kind == "attack.php" && f.weight() >= 0.5);
        for v in ["array_filter($a, 'system')", "ob_start ('passthru')", "register_shutdown_function(x)", "strip_tags($x)", "php_uname ('a')", "get_current_user()", "scandir  (x)", "readfile(x)", "file_get_contents (x)", "fopen  (x)", "popen(p)"] {
            assert!(at(Part::Query, v), "{v}");
            assert!(at(Part::Body, v), "{v} in a form field");
            assert!(!in_json(v) || v.contains('$'), "{v} in a JSON body");
        }
        for v in ["gzip (level 9)", "how to extract (unzip) files", "system (admin) settings", "include (optional)", "eval(x)", "require(fs)", "pg_size_pretty(x)", "sodium_mg(2)", "unlink (account)", "fopen"] {
            assert!(!at(Part::Query, v), "{v}");
        }
        let f = scan_at(Part::Header, ValueType::Text, "x-filename", "fda.php5...");
        assert!(f.iter().any(|f| f.kind == "attack.php"), "{f:?}");
        for name in ["shell. php", ".htaccess", "wp-config.php.bak", "x/.user.ini", "wp-config_old.txt", "php.ini", ".env", "app/.env ", "a.aspx;.jpg", "s.php::$DATA", ".bashrc", "home/u/.zshrc", ".netrc ", "config.yml ", "app/composer.json", "package-lock.json", ".gitlab-ci.yml", "settings.local.php", ".php_history", "test.phpt", "a.php56", "x.jspx/", "y.jsp./"] {
            let f = scan_at(Part::Body, ValueType::Text, "upload.filename", name);
            assert!(f.iter().any(|f| f.kind == "attack.php"), "{name}: {f:?}");
        }
        for name in ["my.htaccess-notes.txt", "team-config.yml", "composer.json.md", "report.pdf", "prod.env", ".envrc", "php.ini.txt", "bashrc-tips.md", "phptutorial.pdf", "a.php-notes.txt", "profile.jpg", "authorized_keys_guide.pdf", "my.profile"] {
            let f = scan_at(Part::Body, ValueType::Text, "upload.filename", name);
            assert!(!f.iter().any(|f| f.kind == "attack.php"), "{name}: {f:?}");
        }
        let f = scan_at(Part::Header, ValueType::Text, "x-filename", "fthi/sfewfda.phtml987...");
        assert!(!f.iter().any(|f| f.kind == "attack.php"), "{f:?}");
        let f = scan_at(Part::Body, ValueType::Text, "file.filename", "safe.phpinfo");
        assert!(!f.iter().any(|f| f.kind == "attack.php"), "{f:?}");
    }

    /// A file name in a JSON text field (a repository's file listing, a deploy setting) is data:
    /// plain script and configuration names stay quiet there, while the names dressed to pass an
    /// extension check are caught, and the same plain names stay caught as a multipart upload's
    /// file name or an `X-Filename` header.
    #[test]
    fn file_names_in_json_are_data_unless_dressed_up() {
        let php = |part: Part, name: &str, v: &str| scan_at(part, ValueType::Text, name, v).iter().any(|f| f.kind == "attack.php");
        for (field, v) in [("$.filename", "index.php"), ("$.file_name", "services.yml"), ("$.files[2].filename", "src/admin/login.aspx"), ("$.source_file_name", "config.yml"), ("$.tree[0].filename", ".gitignore"), ("$.filename", "Default.settings.php")] {
            assert!(!php(Part::Body, field, v), "{field}: {v}");
            assert!(php(Part::Body, "doc.filename", v), "{v} as a multipart file name");
            assert!(php(Part::Header, "x-filename", v), "{v} as an X-Filename header");
        }
        for v in ["avatar.php;.png", "run.asp::$data", "page.jsp. ", "cv. phtml", "x.php5/", "report.cgi..."] {
            assert!(php(Part::Body, "$.filename", v), "{v} in a JSON file-name field");
        }
    }

    #[test]
    fn configuration_directives_being_set() {
        for v in [
            "max_execution_time=0",
            "display_errors = On",
            "x; sendmail_path=/tmp/x.sh",
            "opcache.file_cache=/tmp",
            "SMTP=evil.example",
            "zend.assertions=1",
            "ERROR_REPORTING = E_ALL",
            "date.timezone=UTC",
            "pcre.backtrack_limit=-1",
            "variables_order = GPCS",
            "x=1&mbstring.func_overload=7",
            "disable_functions=",
            "x; open_basedir = ",
            "session.use_only_cookies=0",
            "extension=/tmp/evil.so",
        ] {
            assert!(flags("attack.php", v), "{v}");
            assert!(flags_at("attack.php", Part::Body, v), "{v} in a form");
        }
        for v in [
            "memory_limit",
            "raise the memory_limit to 512M",
            "smtp_host=mail.example.com",
            "mail.example.com=primary",
            "display_errors=",
            "engine_version=3",
            "YWJjZA==",
            "session.id=42",
            "date.format=iso",
            "zlib.level=9",
            "my_variables_order=1",
            "file extension=.pdf",
            "browser extension=uBlock",
        ] {
            assert!(!flags("attack.php", v), "{v}");
        }
    }

    #[test]
    fn more_php_calls_superglobals_and_extension_directives() {
        let at = |part, v: &str| scan_at(part, ValueType::Text, "q", v).iter().any(|f| f.kind == "attack.php" && f.weight() >= 0.5);
        for v in ["simplexml_load_file('http://x.example/a.xml')", "get_defined_functions()", "md5_file('/etc/hosts')", "json_decode (file_get_contents('php://input'))", "set_include_path('/tmp')"] {
            assert!(at(Part::Query, v), "{v}");
            assert!(at(Part::Body, v), "{v} in a form field");
        }
        for v in ["$HTTP_RAW_POST_DATA", "echo $HTTP_GET_VARS['x']", "${'_GET'}['c']", "${_POST}[0]"] {
            assert!(flags("attack.php", v), "{v}");
        }
        for v in ["mssql.max_procs=-1", "com.allow_dcom = 1", "magic_quotes_gpc=Off", "safe_mode_exec_dir=/tmp"] {
            assert!(flags("attack.php", v), "{v}");
        }
        for v in ["${name}", "$HTTP status", "user_agent=curl", "mssql.port is 1433", "json decode (fast)"] {
            assert!(!flags("attack.php", v), "{v}");
        }
    }

    #[test]
    fn extension_function_calls_in_a_url() {
        let at = |part, v: &str| scan_at(part, ValueType::Text, "q", v).iter().any(|f| f.kind == "attack.php" && f.weight() >= 0.5);
        for v in ["odbc_exec($c, $q)", "tidy_repair_string (x)", "posix_getpwuid(0)", "sodium_crypto_box_keypair()", "mysqli_query ($l, 'x')", "openssl_decrypt(a)", "sqlsrv_query($c, $q)", "oci_execute ($s)", "ibase_query(x)", "db2_exec($c, 'x')", "dba_open('/tmp/x', 'c')", "mcrypt_decrypt(a)", "uopz_set_return(x)", "getallheaders()", "ignore_user_abort(1)", "imagecreatefromstring($d)", "intlcal_get_now()", "datefmt_create ('en')", "collator_sort($c, $a)"] {
            assert!(at(Part::Query, v), "{v}");
            assert!(at(Part::Path, v), "{v} as a path segment");
        }
        assert!(at(Part::Query, "chr(99)") && at(Part::Body, "x=chr( 47 )"), "a character code");
        assert!(!at(Part::Query, "chr (see docs)") && !scan_at(Part::Body, ValueType::Text, "$.body", "use chr(65) for A").iter().any(|f| f.kind == "attack.php"), "prose, a code sample");
        for v in ["pg_size_pretty(x)", "my_odbc_exec(x)", "odbc_", "tidy_up", "spl_(x)", "sodium_mg(2)", "shm_open(x)", "ldap_search(x)", "oci (cloud)", "db2 (ibm)", "dba_ (x)"] {
            assert!(!at(Part::Query, v), "{v}");
        }
        assert!(!scan_at(Part::Body, ValueType::Text, "$.body", "tidy_repair_string(x)").iter().any(|f| f.kind == "attack.php"), "a code sample in a JSON body");
        assert!(at(Part::Body, "tidy_repair_string(x)"), "in a form field or XML value");
    }

    #[test]
    fn postgresql_client_calls_but_not_postgresql_sql_functions() {
        let at = |part, v: &str| scan_at(part, ValueType::Text, "q", v).iter().any(|f| f.kind == "attack.php" && f.weight() >= 0.5);
        for v in ["pg_connect(\"host=db\")", "pg_fetch_assoc ($r)", "pg_exit_pipeline_mode (", "pg_lo_export($c, 1, '/tmp/x')"] {
            assert!(at(Part::Query, v), "{v}");
            assert!(at(Part::Path, v), "{v} as a path segment");
            assert!(at(Part::Body, v), "{v} in a form field");
        }
        for v in ["pg_size_pretty(x)", "pg_sleep(1)", "pg_stat_activity(x)", "pg_connect", "see pg_query docs (v2)"] {
            assert!(!at(Part::Query, v), "{v}");
        }
    }

    #[test]
    fn high_risk_names_block_tags_variables_and_signed_objects() {
        let at = |part, v: &str| scan_at(part, ValueType::Text, "q", v).iter().any(|f| f.kind == "attack.php" && f.weight() >= 0.5);
        // A high-risk function named alone or as a callback, outside a JSON text field.
        for v in ["base64_decode", "x=gzinflate", "'str_rot13'", "get_defined_vars", "posix_getpwuid", "pcntl_fork", "FILE_GET_CONTENTS", "sys_get_temp_dir", "runkit_function_add"] {
            assert!(at(Part::Query, v), "{v}");
            assert!(at(Part::Body, v), "{v} in a form field");
        }
        for v in ["my_base64_decoder", "base64_decoded", "is_file", "strlen", "json_encode", "proc_status", "ftp_host", "the curl_options", "get_defined"] {
            assert!(!at(Part::Query, v), "{v}");
        }
        assert!(!scan_at(Part::Body, ValueType::Text, "$.note", "decode it with base64_decode first").iter().any(|f| f.kind == "attack.php"), "prose in a JSON text");
        for v in ["[php]echo 1;[/php]", "[PHP]x", "a[\\php]", "$http_response_header", "$PHP_ERRORMSG", "$HTTP_POST_FILES", "O:+8:\"stdClass\":0:{}", "bzip2:///tmp/a.bz2", "php://stdout", "php://output"] {
            assert!(flags("attack.php", v), "{v}");
        }
        for v in ["[phpBB]", "[php manual]", "$http status", "O: 8 items", "bzip2 -d x", "php:/output"] {
            assert!(!flags("attack.php", v), "{v}");
        }
        for v in ["getenv('PATH')", "urldecode($x)", "mysql_query('select 1')"] {
            assert!(at(Part::Query, v), "{v}");
        }
        assert!(!at(Part::Query, "mysql_native_password"), "a plugin name");
    }

    #[test]
    fn names_built_from_pieces_and_constants() {
        // Bare words and variables joined by `.` into the called name, a constant holding a
        // command function's name, a name spelled by character escapes.
        for v in [
            "(sy.(st).em)(@id)",
            "(pas . sthru)('ls')",
            "(s.h.e.l.l._.e.x.e.c)(\"id\")",
            "($x.$y)('whoami')",
            "define('cmd', 'pass'.'thru'); cmd('ls');",
            "define(\"k\", [[\"sys\" . \"tem\"]]);(k)[0][0](\"id\")",
            "\"\\163\\171\\163\\164\\145\\155\"(\"id\")",
            "'\\x65\\x78\\x65\\x63'('id')",
        ] {
            assert!(flags("attack.php", v), "{v}");
            assert!(flags_in_json("attack.php", v), "{v} in a JSON text");
        }
        for v in [
            "(see fig.2)(right)",
            "(approx. 5)(est.)",
            "($5.00)(incl. tax)",
            "(sys.tem) is a made-up word",
            "define('MAX', 10)",
            "please define('term', 'a word')",
            "\"\\n\" (a newline)",
            "(Inc.)(2021)",
        ] {
            assert!(!flags("attack.php", v), "{v}");
        }
    }

    #[test]
    fn variable_names_and_elements_called() {
        for v in ["${\"x\"}(\"id\")", "$a{1}()", "$f[0]($_GET[1])", "${ 'sys'.'tem' }('id')"] {
            assert!(flags("attack.php", v), "{v}");
        }
        assert!(flags("attack.php", "$a /**/ (\"id\")") && flags("attack.php", "<? echo `id`; ?>") && flags("attack.php", "<?\n$x = 1;"));
        assert!(!flags("attack.php", "<?xml version=\"1.0\"?>") && !flags("attack.php", "use <? for short tags") && !flags("attack.php", "$a /* note */ and (b)"));
        for v in ["Hello ${name}", "${name}(s)", "${count} items (approx)", "$a[0] and (b)", "cost $5 (x)"] {
            assert!(!flags("attack.php", v), "{v}");
        }
        // A template placeholder in a JSON text stays a code sample.
        assert!(!flags_in_json("attack.php", "`${label}(${count})`"));
    }

    #[test]
    fn more_high_risk_names_and_php_data_urls() {
        let at = |part, v: &str| scan_at(part, ValueType::Text, "q", v).iter().any(|f| f.kind == "attack.php" && f.weight() >= 0.5);
        for v in ["debug_backtrace", "get_meta_tags", "'spl_autoload_register'", "set_error_handler", "gzdeflate", "imagecreatefrompng", "sqlite_popen", "stream_context_create", "ob_start", "phpversion", "phpinfo", "'phpinfo';"] {
            assert!(at(Part::Query, v), "{v}");
            assert!(at(Part::Body, v), "{v} in a form field");
        }
        for v in ["passthru", "gzip", "ob_starter", "putenv", "gzopen", "my_phpversion_check", "I used set_error_handler in my code", "sqlite_", "the phpinfo page shows it", "debug", "image_create"] {
            assert!(!at(Part::Query, v), "{v}");
        }
        assert!(!at(Part::Query, "call debug_backtrace to see the stack"), "prose in a URL");
        assert!(!scan_at(Part::Body, ValueType::Text, "$.note", "call debug_backtrace to see the stack").iter().any(|f| f.kind == "attack.php" && f.weight() >= 0.5), "prose in a JSON text");
        for v in ["data:application/x-httpd-php;base64,PD9waHAgaWQ7Pz4=", "data:text/plain;base64,PD89YGlkYDs=", "data:text/x-php,<?php id;"] {
            assert!(flags("attack.php", v), "{v}");
        }
        for v in ["data:image/png;base64,iVBORw0KGgo=", "data:text/plain;base64,SGVsbG8=", "a php data format"] {
            assert!(!flags("attack.php", v), "{v}");
        }
    }

    #[test]
    fn stream_wrappers() {
        for v in [
            "compress.zlib://php://input",
            "compress.bzip2:///tmp/x.bz2",
            "ssh2.exec://user:pw@host:22/id",
            "ssh2.shell://h:22/xterm",
            "zip://uploads/a.jpg#shell.php",
            "rar://x.rar#a",
            "data://text/plain;base64,PD9waHAgaWQ7",
        ] {
            assert!(flags("attack.php", v), "{v}");
        }
        for v in ["data:image/png;base64,iVBORw0KGgo=", "the compress.level option", "gzip://", "mzip://x", "ssh2.example.org"] {
            assert!(!flags("attack.php", v), "{v}");
        }
    }

    #[test]
    fn shared_function_names_with_a_plain_string_in_a_body_are_a_snippet() {
        for snippet in [
            "When I run `const fs = require(\"fs\"); fs.readFileSync(\"./config.json\")` I get ENOENT",
            "Avoid eval(\"code\") in templates, use JSON.parse(data) instead",
            "Use system(\"clear\") on windows or exec() to spawn a child",
            "data = struct.unpack('<I', buf); include('header.php')",
        ] {
            assert!(!any_flag_in_json(snippet), "{snippet}");
        }
        let body = |v: &str| flags_in_json("attack.php", v);
        for v in [
            "eval(base64_decode('ZWNobyAx'))",
            "system($_GET['c'])",
            "assert($x)",
            "shell_exec('id')",
            "passthru(\"ls\")",
            "include $_GET['p'];",
            "exec(`id`)",
        ] {
            assert!(body(v), "{v} in a body");
        }
        for v in ["eval(\"echo 1;\")", "require('x.php')", "system('ls')"] {
            assert!(flags("attack.php", v), "{v} in a URL");
        }
    }
}
