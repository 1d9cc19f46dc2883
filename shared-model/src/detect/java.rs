//! Java attacks: class names that reach the runtime, serialized objects and expression languages.
//!
//! A Java back end turns attacker text into code through deserialization (`ObjectInputStream`,
//! XStream, Jackson polymorphic types) and expression languages (OGNL in Struts, SpEL in Spring,
//! EL in JSF). The payloads therefore name classes no API client needs to name:
//! `java.lang.Runtime`, `ProcessBuilder`, `java.io.*` streams, `javax.script`, `org.omg.CORBA`,
//! `com.opensymphony.xwork2` (OGNL), gadget-chain libraries (`org.apache.commons.collections`,
//! `com.sun.org.apache.xalan`); or they carry a serialized stream, recognised by its magic bytes
//! in hex (`aced0005`) or base64 (`rO0AB`, and its gzip-wrapped form `H4sIAAAA`); or an
//! expression (`%{(#...)}`, `#{T(...)}`, `${#context[...]}`, `@java.lang...@`). The runtime classes
//! and serialized streams are Critical; other class names High; `.jsp` uploads are the PHP
//! family's upload check.

use super::gate::{gated, lit, word_start};
use super::{is_json_text, stronger, Check, Family, Hit, Rules, Subject, Trigger};
use crate::finding::Severity::{Critical, High, Medium};

/// Packages and classes of deserialization gadgets and of the runtime (`java.io.*`, `java.lang.*`,
/// Commons Collections, Xalan, Spring, Groovy, ...).
const CLASS_NAME: &str = r"\bjava\s*\.\s*(?:io|net|nio|beans|rmi|util\s*\.\s*(?:zip|jar))\s*\.\s*[a-z_$][a-z0-9_$]*|\bjava\s*\.\s*lang\s*\.\s*[a-z_$][a-z0-9_$]*|\bjavax\s*\.\s*(?:management|xml\.transform|sql|el)\b|\borg\s*\.\s*omg\s*\.\s*corba\b|\bcom\s*\.\s*opensymphony\s*\.\s*xwork2?\b|\borg\s*\.\s*apache\s*\.\s*(?:commons\s*\.\s*(?:collections|beanutils|fileupload|io)|xalan|struts2?|tomcat|catalina|xbean|naming|bcel|myfaces|wicket|shiro|log4j)|\bcom\s*\.\s*sun\s*\.\s*(?:org\s*\.\s*apache|jndi|rowset|corba|xml\.internal)|\borg\s*\.\s*springframework\s*\.\s*(?:beans|context|expression|jndi|transaction)|\bcom\s*\.\s*mchange\s*\.\s*v2|\borg\s*\.\s*codehaus\s*\.\s*groovy|\bgroovy\s*\.\s*lang\b|\bbsh\s*\.\s*interpreter|\bjdk\s*\.\s*jshell|\bsun\s*\.\s*(?:misc|reflect|rmi)|\bch\s*\.\s*qos\s*\.\s*logback|\borg\s*\.\s*hibernate\s*\.\s*(?:engine|jmx|tuple)|\bcom\s*\.\s*alibaba\s*\.\s*fastjson";

pub(crate) struct Java {
    rules: Rules,
    /// Names that are a payload outside a JSON text field (a URL, header, form or XML value),
    /// where dependency lists and docs do not travel.
    strict_rules: Rules,
    class_name: regex::Regex,
}

/// Classes of the Commons Collections, Groovy and `java.beans` deserialization gadget chains,
/// lower-cased: what a chain names to reach a method call (`InvokerTransformer`,
/// `InstantiateFactory`, `XMLDecoder`, Groovy's `ForClosure`). With a process call
/// (`Runtime`, `ProcessBuilder`) in the same value they are a chain built to run a command.
const GADGETS: &str = "(?:invoker|instantiate|clone|chained|constant)transformer|instantiatefactory|prototype(?:clone|serialization)factory|whileclosure|forclosure|xmldecoder|filewriter|getproperty";

/// Gate for package prefixes: the package name starts a word and a package path follows
/// (`java.io.`, `org.omg.`; not `myjava`, `example.com`).
fn package(b: &[u8], s: usize, e: usize) -> bool {
    word_start(b, s) && {
        // `java` may be followed by `x` and spaces before its dot (`java . lang`).
        let mut i = e;
        while i < b.len() && (b[i] == b'x' || b[i] == b'X' || b[i] == b' ') && i < e + 3 {
            i += 1;
        }
        let dot = if b[e - 1] == b'.' { e } else if b.get(i) == Some(&b'.') { i + 1 } else { return false };
        b.get(dot).is_some_and(|c| c.is_ascii_alphabetic() || *c == b' ')
    }
}

/// Gate for base64 serialization magic: at a token start (a value, a parameter name).
fn magic(b: &[u8], s: usize, _e: usize) -> bool {
    s == 0 || !b[s - 1].is_ascii_alphanumeric() && b[s - 1] != b'+' && b[s - 1] != b'/'
}

impl Java {
    pub fn new() -> Result<Java, String> {
        let gadget_chain = format!(r"(?s)(?:{GADGETS}).*\b(?:runtime|processbuilder)\b|\b(?:runtime|processbuilder)\b.*(?:{GADGETS})");
        let table = [
            (r"\bjava\s*\.\s*lang\s*\.\s*(?:runtime|processbuilder|process\b|reflect|classloader|system\b|thread\b)|\bprocessbuilder\b|getruntime\s*\(\s*\)\s*\.\s*(?:exec|load|loadlibrary|halt|exit)\b|\bjavax\s*\.\s*script\b|\bjavax\.naming\b", Critical, 0.9, "Java runtime class"),
            (r"(?:^|[^a-z0-9+/])(?:ro0ab|h4siaaaaaaaa|kztaa|cs7qa)|(?:^|[^a-f0-9])aced0005", Critical, 0.9, "serialized Java object"),
            (r"%\{\s*\(?\s*#|\$\{\s*#(?:context|_memberaccess|request|session|application|attr)|#_memberaccess|@ognl\.|ognlcontext|#context\s*\[|\.getclass\s*\(\s*\)\s*\.\s*forname|@java\.lang\.", Critical, 0.9, "OGNL expression"),
            (r"#\{\s*t\s*\(|\bt\s*\(\s*java\.|new\s+java\.(?:lang|io|net)\.", Critical, 0.9, "SpEL/EL expression reaching Java"),
            (CLASS_NAME, High, 0.85, CLASS_NAME_DETAIL),
            (gadget_chain.as_str(), Critical, 0.9, "deserialization gadget chain running a process"),
            // XStream and JAXB payloads: an unmarshalled or base64-data element beside the call.
            (r"(?s)\b(?:runtime|processbuilder)\b.*\b(?:unmarshaller|base64data)\b|\b(?:unmarshaller|base64data)\b.*\b(?:runtime|processbuilder)\b", High, 0.8, "unmarshalled payload running a process"),
        ];
        // `org.apache.commons` alone: the package family of the best-known gadget chains. A
        // dependency list in a JSON body names it too, and a Maven search its artifacts
        // (`org.apache.commons:commons-text`, `org.apache.commons-lang3`), which stay clean.
        let strict = [(r"\borg\s*\.\s*apache\s*\.\s*commons(?:$|[^a-z0-9_:-])", High, 0.75, "Java gadget package name outside a JSON text")];
        Ok(Java { rules: Rules::new(Family::Java, &table)?, strict_rules: Rules::new(Family::Java, &strict)?, class_name: super::regex(CLASS_NAME)? })
    }
}

impl Check for Java {
    fn triggers(&self) -> &'static [Trigger] {
        const T: &[Trigger] = &[
            gated("java", package),
            gated("jdk.", package),
            gated("sun.", package),
            gated("org.", package),
            gated("com.", package),
            gated("groovy.", package),
            gated("bsh.", package),
            gated("ch.qos", package),
            lit("processbuilder"),
            lit("getruntime"),
            gated("ro0ab", magic),
            gated("h4siaaaaaaaa", magic),
            gated("kztaa", magic),
            gated("cs7qa", magic),
            lit("aced0005"),
            lit("%{"),
            lit("#{"),
            lit("${#"),
            lit("_memberaccess"),
            lit("@ognl"),
            lit("ognlcontext"),
            lit("#context"),
            lit("invokertransformer"),
            lit("instantiatetransformer"),
            lit("clonetransformer"),
            lit("chainedtransformer"),
            lit("constanttransformer"),
            lit("instantiatefactory"),
            lit("prototypeclonefactory"),
            lit("prototypeserializationfactory"),
            lit("whileclosure"),
            lit("forclosure"),
            lit("xmldecoder"),
            lit("filewriter"),
            lit("getproperty"),
            lit("unmarshaller"),
            lit("base64data"),
        ];
        T
    }

    fn check(&self, s: &Subject<'_>) -> Option<Hit> {
        let hit = if is_json_text(s) { self.rules.best(s.text) } else { stronger(self.rules.best(s.text), self.strict_rules.best(s.text)) }?;
        // A log or a stack trace in a JSON text field names exceptions and the frames they went
        // through (`java.io.IOException`, `at org.apache.catalina...invoke(Valve.java:197)`);
        // a payload names a gadget. Only Medium when every class named is of the first kind.
        if hit.detail == CLASS_NAME_DETAIL && is_json_text(s) && self.class_name.find_iter(s.text).take(64).all(|m| logged(s.text, m.start(), m.end())) {
            return Some(hit.at_most(Medium, 0.6));
        }
        Some(hit)
    }
}

const CLASS_NAME_DETAIL: &str = "Java class name";

/// Whether the class name matched at `start..end` is an exception or error type, or a stack frame
/// (`Class.method(File.java:12)`), as logs write them.
fn logged(text: &str, start: usize, end: usize) -> bool {
    let b = text.as_bytes();
    let name_end = end + b[end.min(b.len())..].iter().take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'$')).count();
    let name = &b[start.min(name_end)..name_end];
    let args = &b[name_end..];
    let frame = args.first() == Some(&b'(') && {
        let close = args.iter().take(80).position(|&c| c == b')').unwrap_or(0);
        args[..close].windows(6).any(|w| w == b".java:")
    };
    name.ends_with(b"exception") || name.ends_with(b"error") || frame
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::fields::{Part, ValueType};

    #[test]
    fn catches_java() {
        assert_family(
            "attack.java",
            &[
                "java.lang.Runtime",
                "test=java.lang.ProcessBuilder",
                "java.io.BufferedReader",
                "com.opensymphony.xwork2",
                "org.omg.CORBA",
                "javax.script.ScriptEngineManager",
                "rO0ABXNyABdqYXZhLnV0aWwuUHJpb3JpdHlRdWV1ZQ",
                "aced00057372",
                "%{(#_memberAccess['allowStaticMethodAccess']=true)}",
                "${#context['xwork.MethodAccessor.denyMethodExecution']=false}",
                "#{T(java.lang.Runtime).getRuntime().exec('id')}",
                "org.apache.commons.collections.functors.InvokerTransformer",
                "Runtime.getRuntime().exec(\"calc\")",
                "x.getRuntime( ).exec(cmd)",
            ],
            &[
                "I love Java and JavaScript",
                "see example.com for details",
                "The sun is out; org chart attached",
                "java 17 runtime",
                "rO0 is not a word",
                "Hello #{name}",
                "Runtime rt = Runtime.getRuntime(); long mem = rt.totalMemory();",
            ],
        );
    }

    #[test]
    fn gadget_chains_and_unmarshalled_payloads_beside_a_process_call() {
        for v in [
            "InvokerTransformer ... java.lang.Runtime",
            "<map><entry><jdk.nashorn.internal.objects.NativeString><value class=\"com.sun.xml.internal.bind.v2.runtime.unmarshaller.Base64Data\"><dataHandler/></value></jdk.nashorn.internal.objects.NativeString></entry></map> ProcessBuilder",
            "ChainedTransformer(new ConstantTransformer(Runtime.class))",
            "processbuilder ... ForClosure",
            "<java><object class=\"java.beans.XMLDecoder\"/> Runtime</java>",
        ] {
            assert!(flags("attack.java", v), "{v}");
        }
        for v in ["transformer runtime is 3 ms", "getProperty('x')", "the unmarshaller failed", "for closure, call us"] {
            assert!(!flags("attack.java", v), "{v}");
        }
        // The gadget package family alone: a payload in a URL, form or XML value, a dependency
        // in a JSON body.
        let at = |part, v: &str| scan_at(part, ValueType::Text, "q", v).iter().any(|f| f.kind == "attack.java" && f.weight() >= 0.5);
        assert!(at(Part::Query, "org.apache.commons") && at(Part::Body, "test=org.apache.commons"));
        assert!(!any_flag_in_json("org.apache.commons:commons-text:1.10.0"));
        for v in ["org.apache.commonsense", "apache commons", "org.apache.commons:commons-text", "org.apache.commons-lang3"] {
            assert!(!at(Part::Query, v), "{v}");
        }
    }

    #[test]
    fn logs_and_stack_traces_in_a_json_body_are_not_gadgets() {
        for log in [
            "ERROR [main] java.lang.NullPointerException: name is null",
            "Caused by: java.io.IOException: Broken pipe\n\tat org.apache.catalina.connector.OutputBuffer.flush(OutputBuffer.java:305)",
            "org.springframework.beans.factory.BeanCreationException: Error creating bean",
        ] {
            assert!(!any_flag_in_json(log), "{log}");
            assert!(flags("attack.java", log), "{log} in a URL");
        }
        for v in [
            "java.io.IOException then org.apache.commons.collections.functors.InvokerTransformer",
            "[\"com.sun.rowset.JdbcRowSetImpl\", {\"dataSourceName\": \"x\"}]",
            "java.lang.ProcessBuilder",
        ] {
            assert!(flags_in_json("attack.java", v), "{v}");
        }
    }
}
