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
//! a computed name). Outside a JSON text field (a URL, header or form value, where template
//! strings of code samples do not travel) a method call inside `${..}` or `#{..}` is expression
//! language injection too, as is an expression language implicit object (`${pageContext.request}`)
//! and a whole template control block (`{% for x in y %}`).
//! Elsewhere template control blocks (`{% if %}`) are Medium, unless their condition is a
//! constant (`{% if true %}`, `<% if 1 %>`): only a probe tests whether the server evaluates one.

use super::gate::{gated, lit, skip_space, starts_word};
use super::{is_json_text, stronger, Check, Family, Hit, Rules, Subject, Trigger};
use crate::finding::Severity::{Critical, High, Medium};

/// Gate for `new()`: a template built-in (FreeMarker `?new()`), not a constructor called on a type
/// or object in code (`Client::new().get(..)`, `Foo.new()`).
fn not_a_method(b: &[u8], s: usize, _e: usize) -> bool {
    s == 0 || !(b[s - 1].is_ascii_alphanumeric() || matches!(b[s - 1], b':' | b'.' | b'_'))
}

/// Gate for `{`: a single-brace arithmetic probe follows (Smarty `{7*7}`).
fn product_follows(b: &[u8], _s: usize, e: usize) -> bool {
    let i = skip_space(b, e);
    let digits = b[i.min(b.len())..].iter().take(12).take_while(|c| c.is_ascii_digit()).count();
    digits > 0 && b.get(skip_space(b, i + digits)) == Some(&b'*')
}

pub(crate) struct Ssti {
    rules: Rules,
    /// Expression-language calls, outside a JSON text field.
    strict_rules: Rules,
}

impl Ssti {
    pub fn new() -> Result<Ssti, String> {
        let table = [
            (r"(?:\{\{|\{%|\$\{)[^}]*__(?:class|mro|subclasses|globals|builtins|init|import|base|bases|getattribute|dict)__|\.__(?:mro|subclasses|globals|builtins)__|\bt\s*\(\s*java\.lang\.|freemarker\.template\.utility|(?:^|[^:.\w])new\s*\(\s*\)\s*\.|getruntime\s*\(\s*\)\s*\.\s*(?:exec|load|loadlibrary|halt|exit)\b|\$class\.inspect|#set\s*\(\s*\$|\bobject\.getclass\s*\(|\{\{\s*(?:self|config|request|lipsum|cycler|joiner|namespace|url_for|get_flashed_messages)\b[^}]*(?:\.|\[|\|)", Critical, 0.9, "template reaches the runtime"),
            (r#"<%=?\s*(?:system|exec|eval|`|%x|io\.popen|runtime|require|file\.read|process)"#, Critical, 0.9, "template code execution"),
            (r#"(?:\{\{|\$\{|<%|\{%)[^}%]*?\b(?:os|subprocess|commands)\s*\.\s*(?:popen|system|check_output|getoutput|run|call|spawn[a-z]*|exec[a-z]*)\s*\(|(?:\{%|<%)\s*import\s+(?:os|subprocess|sys|commands)\b|\b_self\s*\.\s*env\b|registerundefinedfiltercallback|\|\s*(?:filter|map|reduce|sort)\s*\(\s*["'](?:system|exec|passthru|shell_exec|popen|proc_open)["']|\{php\}|\{\s*(?:system|exec|passthru|shell_exec|popen|proc_open)\s*\(|smarty_internal_|\$\{\s*self\s*\.\s*(?:module|template|context)\b|@\s*system\s*\.\s*diagnostics\s*\.\s*process\s*\.\s*start\s*\("#, Critical, 0.9, "template code execution"),
            (r#"\{\{[^}]*\|\s*attr\s*\(|__\$\{[^}]*\}__|\{\{#with\s+["'][^"']*["']\s+as\s*\|"#, High, 0.85, "template reaches the runtime"),
            (r"@\(\s*\d+\s*[*+/-]\s*\d+\s*\)|\{\s*\d+\s*\*\s*\d+\s*\}", High, 0.8, "template arithmetic probe"),
            (r#"(?:\{\{|\$\{\{?|#\{|<%=?|\*\{|@\{|\[\[|\{#|\{\$|\$\{\s*\{)\s*=?\s*-?[\d'"]+\s*[*+/%-]\s*-?[\d'"]+\s*(?:\}\}|\}|%>|\]\])"#, High, 0.85, "template arithmetic probe"),
            (r"#\{[^}]*\b[a-z_]+\s*\([^}]*\}", High, 0.8, "expression language call"),
            (r"\{\{[^}]*(?:constructor|\.call\(|\$eval|\$on|\borigin\b|tostring\.|\bx\s*=)[^}]*\}\}", High, 0.8, "client template sandbox escape"),
            (r"\$\{[^}]*(?:\.getclass\(|\.forname\(|runtime|processbuilder|\bexec\()", High, 0.85, "expression language call"),
            (r"(?:\{%|<%)-?\s*if\s+(?:true|1|\d+\s*[=<>!]=?\s*\d+)\s*-?(?:%\}|%>)", High, 0.8, "template probe with a constant condition"),
            (r"(?:\{%|<%)\s*(?:if|for|set|import|include|macro|raw|block|extends|with|call|filter|end[a-z]*)\b", Medium, 0.8, "template control block"),
        ];
        Ok(Ssti {
            rules: Rules::new(Family::Ssti, &table)?,
            strict_rules: Rules::new(
                Family::Ssti,
                &[
                    (r"[#$]\{[^}]*\b[a-z_][a-z0-9_]*\s*\.\s*[a-z_][a-z0-9_]*\s*\(", High, 0.75, "expression language method call"),
                    // The implicit objects of JSP/JSF expression language, which reach the
                    // request, session and application (`${pageContext.request}`,
                    // `#{header['user-agent']}`), and Ruby's environment (`#{ENV['HOME']}`).
                    (r#"[#$]\{\s*(?:pagecontext|applicationscope|sessionscope|requestscope|initparam|facescontext|(?:header|param)(?:values)?\s*\[|cookie\s*\[|env\s*\[)"#, High, 0.75, "expression language implicit object"),
                    // A whole control block, opened and closed (`{% for x in y %}`), in a URL,
                    // header or form value: no message template travels there.
                    (r"\{%-?\s*(?:if|for|set|import|include|macro|with|call|filter|block|extends)\b[^%{}]*%\}|<%-?\s*(?:if|for|set|import|include)\b[^%<>]*%>", High, 0.75, "template control block"),
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
            gated("{", product_follows),
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
