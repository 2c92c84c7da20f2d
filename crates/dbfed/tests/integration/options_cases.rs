//! The shared table of option cases (`tests/cases/options.json`) through the Rust API: each
//! case's options given to the builders and `dbfed::options`, its outcome checked: a
//! `ConfigError` containing the expected text, or an object whose description shows the expected
//! values and never a secret. Python, Node.js and the JVM run the same table.

use std::path::PathBuf;
use std::sync::Arc;

use dbfed::options::{
    AzureOptions, Description, EntraApp, Network, Networked, OidcClient, OnBehalfOfOptions, Retry,
    Span, Target, UserCache,
};
use dbfed::source::{self, SubjectTokenSource};
use dbfed::{Credential, Error, RetryPolicy, Secret, UserExchanger};
use serde_json::{Map, Value};

/// A case's options, taken one by one; what is left at the end is a typo in the table.
struct Options(Map<String, Value>);

impl Options {
    fn of(value: &Value) -> Self {
        Options(value.as_object().cloned().unwrap_or_default())
    }

    fn take(&mut self, name: &str) -> Option<Value> {
        self.0.remove(name)
    }

    fn text(&mut self, name: &str) -> Option<String> {
        self.take(name)
            .map(|value| value.as_str().expect(name).to_owned())
    }

    fn texts(&mut self, name: &str) -> Option<Vec<String>> {
        self.take(name).map(|value| {
            let items = value.as_array().expect(name).iter();
            items
                .map(|item| item.as_str().expect(name).to_owned())
                .collect()
        })
    }

    fn integer(&mut self, name: &str) -> Option<i64> {
        self.take(name).map(|value| value.as_i64().expect(name))
    }

    fn seconds(&mut self, name: &str) -> Option<Span> {
        self.take(name)
            .map(|value| Span::Seconds(value.as_f64().expect(name)))
    }

    fn flag(&mut self, name: &str) -> bool {
        self.take(name)
            .is_some_and(|value| value.as_bool().expect(name))
    }

    fn finish(self, build: &str) {
        assert!(
            self.0.is_empty(),
            "{build}: unknown options {:?}",
            self.0.keys()
        );
    }

    fn retry(&mut self) -> Retry {
        let mut retry = Options::of(&self.take("retry").unwrap_or_default());
        let parsed = retry.retry_fields();
        retry.finish("retry");
        parsed
    }

    fn retry_fields(&mut self) -> Retry {
        Retry {
            max_attempts: self.integer("max_attempts"),
            initial_backoff: self.seconds("initial_backoff"),
            max_backoff: self.seconds("max_backoff"),
            total_budget: self.seconds("total_budget"),
        }
    }

    fn network(&mut self) -> Network {
        let retry = self.0.contains_key("retry").then(|| self.retry());
        Network {
            connect_timeout: self.seconds("connect_timeout"),
            request_timeout: self.seconds("request_timeout"),
            ca_bundle: self.text("ca_bundle").map(PathBuf::from),
            retry,
        }
    }

    fn target(&mut self) -> Target {
        Target {
            host: self.text("host"),
            account_host: self.text("account_host"),
            account_id: self.text("account_id"),
            client_id: self.text("client_id"),
            scopes: self.texts("scopes"),
            audience: self.text("audience"),
            token_endpoint: self.text("token_endpoint"),
            discovery_url: self.text("discovery_url"),
        }
    }

    fn cache(&mut self) -> UserCache {
        UserCache {
            max_users: self.integer("max_users"),
            negative_cache: self.seconds("negative_cache"),
            expected_issuers: self.texts("expected_issuers"),
            expected_audiences: self.texts("expected_audiences"),
            expiry_leeway: self.seconds("expiry_leeway"),
        }
    }

    fn app(&mut self) -> dbfed::Result<EntraApp> {
        Ok(EntraApp {
            tenant_id: self.text("tenant_id"),
            client_id: self.text("client_id"),
            client_secret: self.text("client_secret").map(Secret::new),
            client_assertion: self
                .take("client_assertion")
                .map(|spec| source_of(&spec))
                .transpose()?,
            authority_host: self.text("authority_host"),
        })
    }
}

fn oidc_client(mut options: Options) -> dbfed::Result<source::OidcClientCredentials> {
    let client = OidcClient {
        issuer: options.text("issuer").expect("issuer"),
        client_id: options.text("client_id").expect("client_id"),
        client_secret: options.text("client_secret").map(Secret::new),
        private_key_pem: options.text("private_key_pem").map(Secret::new),
        auth_method: options.text("auth_method"),
        algorithm: options.text("algorithm"),
        key_id: options.text("key_id"),
        token_endpoint: options.text("token_endpoint"),
        scope: options.text("scope"),
        audience_parameter: options.text("audience_parameter"),
        token_field: options.text("token_field"),
        network: options.network(),
    };
    options.finish("oidc_client_credentials");
    client.build()
}

fn github_actions(mut options: Options) -> dbfed::Result<source::GitHubActions> {
    let mut source = source::GitHubActions::new().network(&options.network())?;
    if let Some(audience) = options.text("audience") {
        source = source.audience(audience);
    }
    options.finish("github_actions");
    Ok(source)
}

/// The source a case names: `{"fixed": jwt}`, `{"env_var": name}`, `{"file": path}`,
/// `{"command": [program, args…]}`, `{"github_actions": {…}}`, `{"oidc_client_credentials": {…}}`.
fn source_of(spec: &Value) -> dbfed::Result<Arc<dyn SubjectTokenSource>> {
    let (kind, value) = spec
        .as_object()
        .and_then(|spec| spec.iter().next())
        .expect("a source");
    Ok(match kind.as_str() {
        "fixed" => Arc::new(source::Fixed::new(value.as_str().unwrap())),
        "env_var" => Arc::new(source::EnvVar::new(value.as_str().unwrap())),
        "file" => Arc::new(source::File::new(value.as_str().unwrap())),
        "command" => {
            let words: Vec<&str> = value
                .as_array()
                .unwrap()
                .iter()
                .map(|w| w.as_str().unwrap())
                .collect();
            Arc::new(source::Command::new(words[0]).args(words[1..].iter().copied()))
        }
        "github_actions" => Arc::new(github_actions(Options::of(value))?),
        "oidc_client_credentials" => Arc::new(oidc_client(Options::of(value))?),
        other => panic!("unknown source kind {other}"),
    })
}

/// Builds what `build` names from `options`; the built object's description and `Debug` text.
fn build(build: &str, value: &Value) -> dbfed::Result<(Description, String)> {
    let mut options = Options::of(value);
    let described = |description: &Description, debug: String| Ok((description.clone(), debug));
    let result = match build {
        "credential" => {
            let source = source_of(&options.take("source").expect("source"))?;
            let credential = Credential::builder()
                .target(options.target())
                .shared_source(source)
                .network(&options.network())?
                .build()?;
            described(credential.describe(), format!("{credential:?}"))
        }
        "user_exchanger" => {
            let users = UserExchanger::builder()
                .target(options.target())
                .cache_options(options.cache())
                .network(&options.network())?
                .build()?;
            described(users.describe(), format!("{users:?}"))
        }
        "azure_credential" => {
            let azure = AzureOptions {
                app: options.app()?,
                managed_identity: options.flag("managed_identity"),
                imds_endpoint: options.text("imds_endpoint"),
                resource: options.text("resource"),
                from_env: false,
                network: options.network(),
            };
            let credential = azure.build()?;
            described(credential.describe(), format!("{credential:?}"))
        }
        "azure_on_behalf_of" => {
            let on_behalf_of = OnBehalfOfOptions {
                app: options.app()?,
                scope: options.text("scope"),
                cache: options.cache(),
                from_env: false,
                network: options.network(),
            };
            let users: dbfed::UserTokens = on_behalf_of.build()?.into();
            described(users.describe(), format!("{users:?}"))
        }
        "oidc_client_credentials" => {
            let source = oidc_client(std::mem::replace(&mut options, Options(Map::new())))?;
            described(&source.describe(), format!("{source:?}"))
        }
        "github_actions" => {
            let source = github_actions(std::mem::replace(&mut options, Options(Map::new())))?;
            described(&source.describe(), format!("{source:?}"))
        }
        "azure_devops" => {
            let mut source = source::AzureDevOps::new().network(&options.network())?;
            if let Some(id) = options.text("service_connection") {
                source = source.service_connection(id);
            }
            described(&source.describe(), format!("{source:?}"))
        }
        "gcp_metadata" => {
            let mut source = source::GcpMetadata::new().network(&options.network())?;
            if let Some(host) = options.text("host") {
                source = source.host(host);
            }
            described(&source.describe(), format!("{source:?}"))
        }
        "retry_policy" => {
            let policy: RetryPolicy = options.retry_fields().policy()?;
            described(&policy.describe(), format!("{policy:?}"))
        }
        other => panic!("unknown build {other}"),
    };
    options.finish(build);
    result
}

/// The expected value as the Rust description shows it.
fn expected_texts(value: &Value) -> Vec<String> {
    match value {
        Value::String(text) => vec![text.clone()],
        Value::Array(items) => items.iter().flat_map(expected_texts).collect(),
        other => vec![other.to_string()],
    }
}

#[test]
fn every_case_of_the_options_table_holds() {
    let table: Value =
        serde_json::from_str(include_str!("../../../../tests/cases/options.json")).unwrap();
    let cases = table["cases"].as_array().unwrap();
    assert!(cases.len() >= 60, "{} cases", cases.len());
    let mut failures = Vec::new();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let expect = &case["expect"];
        let never_shown = expected_texts(expect.get("never_shown").unwrap_or(&Value::Null));
        let never_shown: Vec<&String> = never_shown.iter().filter(|text| *text != "null").collect();
        let outcome = build(case["build"].as_str().unwrap(), &case["options"]);
        let problem = match (outcome, expect.get("error")) {
            (Err(err @ Error::Config { .. }), Some(_)) => {
                let message = err.to_string();
                let wanted = expect["contains"].as_str().unwrap();
                if !message.contains(wanted) {
                    Some(format!("the error {message:?} lacks {wanted:?}"))
                } else {
                    never_shown
                        .iter()
                        .find(|secret| message.contains(secret.as_str()))
                        .map(|secret| format!("the error {message:?} shows {secret:?}"))
                }
            }
            (Err(err), _) => Some(format!("failed: {err:?}")),
            (Ok((description, _)), Some(_)) => Some(format!("built {description}")),
            (Ok((description, debug)), None) => {
                let shown = description.to_string();
                let mut problem = None;
                for (field, value) in expect["shows"].as_object().into_iter().flatten() {
                    let field_shown = match description.get(field) {
                        Some(value) => value.to_string(),
                        None => {
                            problem = Some(format!("{shown} has no {field}"));
                            break;
                        }
                    };
                    if let Some(missing) = expected_texts(value)
                        .into_iter()
                        .find(|text| !field_shown.contains(text.as_str()))
                    {
                        problem = Some(format!("{field} shows {field_shown}, not {missing:?}"));
                        break;
                    }
                }
                problem.or_else(|| {
                    never_shown
                        .iter()
                        .find(|secret| {
                            shown.contains(secret.as_str()) || debug.contains(secret.as_str())
                        })
                        .map(|secret| format!("{shown} / {debug} shows {secret:?}"))
                })
            }
        };
        if let Some(problem) = problem {
            failures.push(format!("{name}: {problem}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
