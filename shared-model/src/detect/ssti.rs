//! Server-side template injection: template syntax that evaluates code on the server.
//!
//! Plain placeholders are normal API content (`Hello {{first_name}}` in an e-mail template
//! field), so a delimiter alone is not a finding. What is: arithmetic probes (`{{7*7}}`,
//! `${7*7}`, `<%= 7*7 %>`, `#{7*7}`), object-graph walks to the interpreter (`__class__`,
//! `__globals__`, `__subclasses__`, `constructor.constructor`), and calls that reach the runtime
//! (`T(java.lang.Runtime)`, `freemarker.template.utility.Execute`, `#{runtime.exec(..)}`,
//! `<% system(..) %>`, `{{ os.popen(..) }}`, `{% import os %}`, Twig's `_self.env` and callable
//! filters (`|filter('system')`), Smarty's `{php}` and `{system(..)}`, Mako's `${self.module}`,
//! Razor's `@System.Diagnostics.Process.Start(`, Jinja's `|attr(` that reaches dunder attributes by
//! a computed name, Java reflection and Groovy objects in an expression (`classLoader`,
//! `new File(..)`), embedded Ruby or Elixir opening files and shells, a PHP function named as a
//! string in a Twig filter), and templates that dump their own context or secrets (`dump(_context)`,
//! `{% debug %}`, Django's signing key, `{$smarty.version}`). Outside a JSON text field (a URL,
//! header or form value, where template strings of code samples do not travel) a method call
//! inside `${..}`, `#{..}` or `{{..}}` is expression language injection too, as are a constructor call there, a method called on a string literal
//! (`${'a'.toString()}`), an expression language implicit object (`${pageContext.request}`), an
//! output tag reaching into an object (`<%= x.y %>`, `{{= x.y}}`), a FreeMarker directive (`<#assign`) and a whole template tag
//! (`{% for x in y %}`, `{% csrf_token %}`).
//! Elsewhere template control blocks (`{% if %}`) are Medium, unless their condition is a
//! constant (`{% if true %}`, `<% if 1 %>`): only a probe tests whether the server evaluates one.

use super::gate::{gated, in_sorted, lit, skip_space, starts_word, word_at, word_end};
use super::{is_json_text, stronger, Check, Family, Hit, Rules, Subject, Trigger};
use crate::finding::Severity::{Critical, High, Medium};

/// Gate for `new()`: a template built-in (FreeMarker `?new()`), not a constructor called on a type
/// or object in code (`Client::new().get(..)`, `Foo.new()`).
fn not_a_method(b: &[u8], s: usize, _e: usize) -> bool {
    s == 0 || !(b[s - 1].is_ascii_alphanumeric() || matches!(b[s - 1], b':' | b'.' | b'_'))
}

/// Gate for `{` (and FreeMarker's `[=`): single-brace template code follows: an arithmetic probe
/// (Smarty `{7*7}`), a character built by number (`{chr(105)|cat:...}`), a Latte variable
/// (`{var $x=...}`) or PHP block (`{php ...}`).
fn single_brace_code(b: &[u8], _s: usize, e: usize) -> bool {
    let i = skip_space(b, e);
    let digits = b[i.min(b.len())..].iter().take(12).take_while(|c| c.is_ascii_digit()).count();
    if digits > 0 {
        return b.get(skip_space(b, i + digits)) == Some(&b'*');
    }
    let mut buf = [0u8; 24];
    let w = word_at(b, i, &mut buf);
    let next = b.get(skip_space(b, i + w.len()));
    (w == b"chr" && next == Some(&b'(')) || (w == b"var" && next == Some(&b'$')) || (w == b"php" && b.get(i + 3).is_some_and(u8::is_ascii_whitespace))
}

/// FreeMarker's directives, which open `<#name` (or `[#name` in its square-bracket syntax). Sorted.
const FREEMARKER_DIRECTIVES: &[&str] = &["assign", "attempt", "function", "global", "if", "import", "include", "list", "local", "macro", "setting"];

/// Gate for `<#` and `[#`: a FreeMarker directive follows (`<#assign`), not a Markdown issue link
/// (`[#123]`) or an anchor.
fn freemarker_directive(b: &[u8], _s: usize, e: usize) -> bool {
    let mut buf = [0u8; 24];
    let w = word_at(b, e, &mut buf);
    word_end(b, e + w.len()) && in_sorted(FREEMARKER_DIRECTIVES, w)
}

pub(crate) struct Ssti {
    rules: Rules,
    /// Expression-language calls, outside a JSON text field.
    strict_rules: Rules,
}

impl Ssti {
    pub fn new() -> Result<Ssti, String> {
        let table = [
            (r"(?:\{\{|\{%|\$\{)[^}]*__(?:class|mro|subclasses|globals|builtins|init|import|base|bases|getattribute|dict)__|\.__(?:mro|subclasses|globals|builtins)__|\bt\s*\(\s*java\.lang\.|freemarker\.template\.utility|(?:^|[^:.\w])new\s*\(\s*\)\s*\.|\?\s*new\s*\(\s*\)|getruntime\s*\(\s*\)\s*\.\s*(?:exec|load|loadlibrary|halt|exit)\b|\$class\.inspect|#set\s*\(\s*\$|\bobject\.getclass\s*\(|(?:\{\{|\{%-?\s*for\s[^%]*?\bin)\s*(?:self|config|request|lipsum|cycler|joiner|namespace|url_for|get_flashed_messages)\b[^}%]*(?:\.|\[|\|)", Critical, 0.9, "template reaches the runtime"),
            // Lodash's template internals (`<%= _.templateSettings %>`, `{{= _.VERSION}}`), and a
            // Twig include of the application's source or configuration (`{{ include('x.php') }}`).
            (r#"(?:\{\{|<%|\$\{)=?\s*_\s*\.\s*(?:version|templatesettings)\b|\{\{\s*(?:include|source)\s*\(\s*["'][^"']*\.(?:php\d?|inc|ini|env|conf|config|ya?ml|py|rb|properties)["']"#, High, 0.8, "template reads its engine or the application's source"),
            (r#"<%=?\s*(?:system|exec|eval|`|%x|io\.popen|runtime|require|file\.read|process)"#, Critical, 0.9, "template code execution"),
            (r#"(?:\{\{|\$\{|<%|\{%)[^}%]*?\b(?:os|subprocess|commands)\s*\.\s*(?:popen|system|check_output|getoutput|run|call|spawn[a-z]*|exec[a-z]*)\s*\(|(?:\{%|<%)\s*import\s+(?:os|subprocess|sys|commands)\b|\b_self\s*\.\s*env\b|registerundefinedfiltercallback|\|\s*(?:filter|map|reduce|sort)\s*\(\s*["'](?:system|exec|passthru|shell_exec|popen|proc_open|call_user_func(?:_array)?|ini_set|assert|create_function|file_get_contents|file_put_contents|readfile)["']|\{php\}|\{\s*(?:system|exec|passthru|shell_exec|popen|proc_open)\s*\(|smarty_internal_|\$\{\s*self\s*\.\s*(?:module|template|context)\b|@\s*system\s*\.\s*diagnostics\s*\.\s*process\s*\.\s*start\s*\("#, Critical, 0.9, "template code execution"),
            (r#"\{\{[^}]*\|\s*attr\s*\(|__\$\{[^}]*\}__|\{\{#with\s+["'][^"']*["']\s+as\s*\|"#, High, 0.85, "template reaches the runtime"),
            (r"@\(\s*\d+\s*[*+/-]\s*\d+\s*\)|\{\s*\d+\s*\*\s*\d+\s*\}", High, 0.8, "template arithmetic probe"),
            (r#"(?:\{\{|\$\{\{?|#\{|<%=?|\*\{|@\{|\[\[|\[=|\{#|\{\$|\$\{\s*\{)\s*=?\s*-?[\d'"]+\s*[*+/%-]\s*-?[\d'"]+\s*(?:\}\}|\}|%>|\]\]?)"#, High, 0.85, "template arithmetic probe"),
            (r"#\{[^}]*\b[a-z_]+\s*\([^}]*\}", High, 0.8, "expression language call"),
            (r"\{\{[^}]*(?:constructor|\.call\(|\$eval|\$on|\borigin\b|tostring\.|\bx\s*=)[^}]*\}\}", High, 0.8, "client template sandbox escape"),
            (r"(?:[$#]\{|\{\{|\{%|<#|\[#)[^}>]*(?:\.getclass\s*\(|\.forname\s*\(|runtime\s*[.()]|processbuilder|\bexec\(|classloader|getresource\s*\(|protectiondomain|loadclass\s*\(|scriptenginemanager|\.tourl\s*\(|\.execute\s*\(\s*\))", High, 0.85, "expression language call"),
            // Groovy in `${..}`: a file, URL or process object built, a script evaluated, or a
            // command spelled out by character codes (`((char)105).toString()`, FreeMarker's
            // `9?lower_abc`).
            (r"[$#]\{[^}]*(?:\bnew\s+(?:file|url|processbuilder|java\.|groovy\.|org\.)|\(\s*char\s*\)|@(?:groovy\.transform\.)?asttest\b|\b(?:this\s*\.\s*)?evaluate\s*\(|\d\s*\?\s*(?:lower|upper)_abc\b)", High, 0.85, "expression language call"),
            // Python's class walk without the dunders (Jinjava, Pebble): `''.class.mro()`.
            (r"\{\{[^}]*\.\s*(?:subclasses|mro)\s*\(\s*\)", Critical, 0.9, "template reaches the runtime"),
            // A template that dumps its own context or the framework's secrets: Twig's `dump(..)`
            // and `_context`, its `file_excerpt` filter and Symfony's `app.request.server`, Django's `{% debug %}`, admin log and
            // signing key, Smarty's `$smarty`.
            (r"(?:\{\{|\{%)[^}]*(?:\bdump\s*\(|\b_context\b|\b_charset\b|\bsigner\s*\.\s*key\b|\bsecret_key\b)|\{%-?\s*(?:debug\s*-?%\}|get_admin_log\b)|\{\$smarty\.|\{\{[^}]*(?:\|\s*file_excerpt\b|\bapp\s*\.\s*request\s*\.\s*server\b)", High, 0.8, "template dumps its context"),
            // A PHP function called by name from a template (`{'id':'shell_exec'}|map(..)`), or a
            // command spelled by character codes (`{{passthru(chr(99)..)}}`, `{chr(105)|cat:..}`).
            (r#"\{\{(?:[^}]|\}[^}])*["'](?:shell_exec|passthru|proc_open|popen|call_user_func(?:_array)?|system|exec)["']|\{\{[^}]*\bchr\s*\(\s*\d|\{[^{}]*\bchr\s*\(\s*\d+\s*\)\s*\|\s*cat\s*:"#, High, 0.85, "template calls a PHP function by name"),
            // Django's arithmetic probe, by filter: `{{364|add:733}}`.
            (r#"\{\{\s*\d+\s*\|\s*add\s*:\s*["']?\d+["']?\s*\}\}"#, High, 0.8, "template arithmetic probe"),
            // Embedded Ruby and Elixir reaching files and processes: `<%= File.open(..) %>`,
            // `<%= elem(System.shell("id"), 0) %>`, a backtick command anywhere in the tag, and
            // Slim's `#{ %x|..| }`.
            (r"<%[=-]?(?:[^%]|%[^>])*?(?:\b(?:system\s*\.\s*(?:shell|cmd)\s*\(|file\s*\.\s*(?:open|read!?|write|readlines|new)\s*\(|dir\s*\.\s*(?:entries|glob)\s*\(|io\s*\.\s*popen|open[34]\s*\.\s*popen)|`[^`%]+`)|#\{[^}]*%x[|({\[]", Critical, 0.9, "template code execution"),
            // Latte's `{php ..}`, Razor code reaching .NET's I/O and processes (`@{ System.IO.. }`),
            // a Node template reaching modules or the process (`{{ process.binding(..) }}`).
            (r"\{php\s[^}]*\}|@\{[^}]*\bsystem\s*\.\s*(?:io|diagnostics|net|reflection|runtime)\s*\.|(?:\{\{|<%)[^}%]*\b(?:child_process|require\s*\(|process\s*\.\s*(?:binding|mainmodule)\b)", Critical, 0.9, "template code execution"),
            (r"(?:\{%|<%)-?\s*if\s+(?:true|1|\d+\s*[=<>!]=?\s*\d+)\s*-?(?:%\}|%>)", High, 0.8, "template probe with a constant condition"),
            (r"(?:\{%|<%)\s*(?:if|for|set|import|include|macro|raw|block|extends|with|call|filter|end[a-z]*)\b", Medium, 0.8, "template control block"),
        ];
        Ok(Ssti {
            rules: Rules::new(Family::Ssti, &table)?,
            strict_rules: Rules::new(
                Family::Ssti,
                &[
                    // A method called on a name, a string literal or a call's result
                    // (`${'a'.toString().replace(..)}`), or a constructor (`${new File(..)}`).
                    (r#"(?:[#$]\{|\{\{)[^}]*(?:\b[a-z_][a-z0-9_]*|["')\]])\s*\.\s*[a-z_][a-z0-9_]*\s*\(|[#$]\{[^}]*\bnew\s+[a-z_][a-z0-9_.]*\s*\("#, High, 0.75, "expression language method call"),
                    // An output tag reaching into an object (`<%= _.VERSION %>`, Lodash's
                    // `{{= it.name}}`; a bare `<%=title%>` is a link whose template was never
                    // rendered), a Twig function that reads a template (`{{ include(..) }}`), a
                    // Latte variable declared (`{var $x=..}`), a FreeMarker directive (`<#assign`).
                    (r"<%[=-]\s*[^%>]*[.(\[][^%>]*%>|\{\{=\s*[^}]*[.(\[][^}]*\}\}|\$\{=\s*[^}]*[.(\[]|\{\{\s*(?:include|source|constant|attribute|template_from_string)\s*\(|\{var\s+\$|[<\[]#(?:assign|attempt|function|global|import|include|list|local|macro|setting)\b", High, 0.75, "template tag"),
                    // The implicit objects of JSP/JSF expression language, which reach the
                    // request, session and application (`${pageContext.request}`,
                    // `#{header['user-agent']}`), and Ruby's environment (`#{ENV['HOME']}`).
                    (r#"[#$]\{\s*(?:pagecontext|applicationscope|sessionscope|requestscope|initparam|facescontext|(?:header|param)(?:values)?\s*\[|cookie\s*\[|env\s*\[)"#, High, 0.75, "expression language implicit object"),
                    // A whole tag, opened and closed (`{% for x in y %}`, `{% csrf_token %}`), in a
                    // URL, header or form value: no message template travels there.
                    (r"\{%-?\s*[a-z_]+\b[^%{}]*%\}|<%-?\s*(?:if|for|set|import|include)\b[^%<>]*%>", High, 0.75, "template control block"),
                ],
            )?,
        })
    }
}

impl Check for Ssti {
    fn triggers(&self) -> &'static [Trigger] {
        const T: &[Trigger] = &[
            lit("{{"),
            lit("${"),
            lit("#{"),
            lit("<%"),
            lit("*{"),
            lit("@{"),
            lit("[["),
            lit("{%"),
            lit("{#"),
            lit("{$"),
            lit(".__"),
            lit("__class__"),
            lit("__globals__"),
            lit("__subclasses__"),
            lit("__builtins__"),
            lit("__mro__"),
            lit("java.lang"),
            lit("freemarker"),
            lit("getruntime"),
            lit("$class"),
            lit("#set"),
            lit("getclass"),
            gated("t(", starts_word),
            gated("new()", not_a_method),
            lit("{php}"),
            lit("_self"),
            lit("registerundefinedfiltercallback"),
            lit("smarty_internal_"),
            lit("{system"),
            lit("{exec"),
            lit("{passthru"),
            lit("{shell_exec"),
            lit("{popen"),
            lit("{proc_open"),
            lit("@("),
            lit("diagnostics"),
            gated("{", single_brace_code),
            gated("[=", single_brace_code),
            gated("<#", freemarker_directive),
            gated("[#", freemarker_directive),
        ];
        T
    }

    fn check(&self, s: &Subject<'_>) -> Option<Hit> {
        let hit = self.rules.best(s.text);
        if is_json_text(s) {
            return hit;
        }
        stronger(hit, self.strict_rules.best(s.text))
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    #[test]
    fn constructors_in_code_are_not_templates() {
        for v in [
            "let client = reqwest::Client::new().get(url).send()?;",
            "let s = Style::new().cyan(); println!(\"{}\", s)",
            "obj = Foo.new().bar",
        ] {
            assert!(!any_flag_in_json(v), "{v} in a JSON body");
            assert!(!flags("attack.ssti", v), "{v}");
        }
        assert!(flags("attack.ssti", "${\"freemarker.template.utility.ObjectConstructor\"?new().x}"));
        assert!(flags("attack.ssti", "{{ x?new().y }}"));
    }

    #[test]
    fn template_engines_reaching_code() {
        for v in [
            "{{ os.popen('id').read() }}",
            "{% import os %}{{ os.system('id') }}",
            "{{_self.env.registerUndefinedFilterCallback(\"exec\")}}{{_self.env.getFilter(\"id\")}}",
            "{{['id']|filter('system')}}",
            "{php}echo `id`;{/php}",
            "{system('ls')}",
            "${self.module.cache.util.os.system(\"id\")}",
            "@System.Diagnostics.Process.Start(\"cmd.exe\")",
            "{{request|attr('application')|attr('\\x5f\\x5fglobals\\x5f\\x5f')}}",
            "__${new java.util.Scanner(x)}__::.x",
            "{{#with \"s\" as |string|}}{{/with}}",
            "@(7*7)",
            "{7*7}",
            "{{= 7*7}}",
            "${user.getClass()}",
            "#{request.getSession()}",
        ] {
            assert!(flags("attack.ssti", v), "{v}");
        }
        for v in [
            "Contact @(support) team",
            "{3 items}",
            "set {count} * 2",
            "Hello ${user.name}",
            "{{ user.name|title }}",
            "Use filter('active') on the list",
            "the _self keyword",
        ] {
            assert!(!flags("attack.ssti", v), "{v}");
        }
        // Template literals of a code sample in a JSON text field.
        for v in ["const msg = `Hello ${user.getName()}`;", "{{ items|map(attribute='name')|join(', ') }}"] {
            assert!(!any_flag_in_json(v), "{v}");
        }
    }

    #[test]
    fn expression_language_implicit_objects_outside_json_text() {
        use crate::fields::Part;
        for v in ["${pageContext.request.contextPath}", "#{applicationScope}", "#{header['user-agent']}", "${sessionScope.user}", "#{ENV['HOME']}", "${param['id']}"] {
            assert!(flags("attack.ssti", v), "{v}");
            assert!(flags_at("attack.ssti", Part::Body, v), "{v} in a form");
        }
        assert!(!any_flag_in_json("Dear ${param.name}, hello"), "a template in a JSON text field");
        for v in ["${header}", "#{environment}", "${params.id}", "Hello #{name}", "${envName}"] {
            assert!(!flags("attack.ssti", v), "{v}");
        }
    }

    #[test]
    fn whole_control_blocks_outside_json_text() {
        use crate::fields::Part;
        for v in ["{% for c in [1,2,3] %}{{ c }}{% endfor %}", "{%- set x = 1 -%}", "<% if user %>hi<% end %>"] {
            assert!(flags("attack.ssti", v), "{v}");
            assert!(flags_at("attack.ssti", Part::Body, v), "{v} in a form");
        }
        for v in ["{% for item in items %}<li>{{ item }}</li>{% endfor %}"] {
            assert!(!any_flag_in_json(v), "{v}: a template in a JSON text field");
        }
        for v in ["100% for sure", "{ % if }", "50% if paid"] {
            assert!(!flags("attack.ssti", v), "{v}");
        }
    }

    #[test]
    fn reflection_context_dumps_and_named_functions_in_any_field() {
        for v in [
            "{{ ().class.base.subclasses() }}",
            "{{ 'x'.class.mro() }}",
            "${obj.class.classLoader.parent}",
            "${x.getClass().getResource('/').getPath()}",
            "<#assign cl=item.class.protectionDomain.classLoader>",
            "${new File('/tmp/x').text}",
            "${ \"whoami\".execute().text }",
            "${((char)119).toString()}",
            "{{ dump(app.user) }}",
            "{{ _context|keys }}",
            "{% debug %}",
            "{{ settings.SECRET_KEY }}",
            "{$smarty.template}",
            "{{ ['whoami']|sort('call_user_func') }}",
            "{{ {'whoami':'passthru'}|map('call_user_func')|join }}",
            "{{ passthru(chr(119)) }}",
            "{chr(119)|cat:chr(104)}",
            "{{ 12|add:30 }}",
            "<%= File.read('/etc/hostname') %>",
            "<%= elem(System.cmd(\"whoami\", []), 0) %>",
            "<%= Dir.glob('*') %>",
            "{% for k in config.keys() %}{{ k }}{% endfor %}",
            "{% set t = (1).TYPE.forName('java.lang.Thread') %}",
            "{% set d = dump(_context) %}",
            "{% get_admin_log 5 as entries %}",
            "{{ '/etc/hostname'|file_excerpt(1,5) }}",
            "{{ app.request.server.get('APP_SECRET') }}",
            "${(char)119 + (char)104}",
            "${this.evaluate('6*6')}",
            "${(23?lower_abc+9?lower_abc)?new()}",
            "[#assign f='x'?new()]",
            "{php passthru('whoami')}",
            "@{ System.IO.File.Delete(\"x\"); }",
            "<%= x.map { `whoami` } %>",
            "#{ %x(whoami) }",
            "{{ process.mainModule.require('fs') }}",
            "<%- require('child_process').execSync('whoami') %>",
            "[=6*7]",
            "<%= _.templateSettings.interpolate %>",
            "{{ source('../config/app.yml') }}",
        ] {
            assert!(flags("attack.ssti", v), "{v}");
            assert!(flags_in_json("attack.ssti", v), "{v} in a JSON text field");
        }
        for v in [
            "Runtime: {{ movie.runtime }} minutes",
            "{{ order.total_price | money }} incl. {{ tax_rate }}% tax",
            "Call dump() to print the object",
            "<%= link_to 'Profile', user_path(@user) %>",
            "{{ product.class }} and {{ product.base }}",
            "Use the {chr} placeholder",
            "{{ 5|add:discount }}",
            "{{#each items}}{{this.name}}{{/each}}",
            "{% for item in order.items %}{{ item.config }}{% endfor %}",
            "<%= _.escape(user.name) %>",
            "{{ include('partials/footer.html') }}",
            "Signed in as {{ app.user.username }} via {{ app.request.host }}",
            "Email @{handle} for details",
            "<%= t('greeting') %> from `README`",
            "[=] is not FreeMarker",
            "${user.name?upper_case}",
        ] {
            assert!(!any_flag_in_json(v), "{v}");
        }
    }

    #[test]
    fn template_code_outside_json_text() {
        use crate::fields::Part;
        for v in [
            "${'abc'.replace('a', 'b')}",
            "{{ 'abc'.upper() }}",
            "${new Date()}",
            "<%= x.version %>",
            "<%- locals[0] %>",
            "{{= it.name }}",
            "{{ include('header.twig') }}",
            "{var $v = 1}{$v}",
            "[#list items as i]",
            "{% csrf_token %}",
            "{% load static %}",
        ] {
            assert!(flags("attack.ssti", v), "{v}");
            assert!(flags_at("attack.ssti", Part::Body, v), "{v} in a form");
            assert!(!any_flag_in_json(v), "{v} in a JSON text field");
        }
        for v in ["See [#123](https://example.com/issues/123)", "<#> anchor", "{$}", "[# heading", "price {$5}", "100% {literal}", "<%=title%>", "{{=name}}", "{$title}"] {
            assert!(!flags("attack.ssti", v), "{v}");
        }
    }

    #[test]
    fn catches_ssti() {
        assert_family(
            "attack.ssti",
            &[
                "{{7*7}}",
                "${7*7}",
                "<%= 7*7 %>",
                "#{7*7}",
                "{{''.__class__.__mro__[1].__subclasses__()}}",
                "{{config.items()}}",
                "${T(java.lang.Runtime).getRuntime().exec('id')}",
                "<#assign ex=\"freemarker.template.utility.Execute\"?new()>${ex(\"id\")}",
                "#{runtime.exec('id')}",
                "<% system('id') %>",
                "{{constructor.constructor('alert(1)')()}}",
                "{%- if 1 -%}ok{% endif %}",
                "<% if 3 == 3 %>y<% end %>",
            ],
            &["Hello {{first_name}}, your order {{order_id}} shipped", "Total: ${amount}", "Use the __init__ method", "{% raw %} is a tag", "{% if user.is_active %}Hi{% endif %}", "<% if admin %>x<% end %>"],
        );
    }
}
