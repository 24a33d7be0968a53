//! Turning librdkafka's transaction errors into [`Error::Transaction`]:
//! fenced, abortable or retriable, with a message that says what happened.

use rdkafka::error::KafkaError;
use rdkafka::producer::Producer as _;
use rdkafka::types::RDKafkaErrorCode;

use super::core::ProducerCore;
use crate::error::Error;

/// Error codes that mean another producer with the same `transactional.id`
/// took over. librdkafka reports fencing as its local `Fenced`; the broker's
/// codes are listed too in case one comes through unchanged.
fn is_fencing(code: RDKafkaErrorCode) -> bool {
    matches!(
        code,
        RDKafkaErrorCode::Fenced
            | RDKafkaErrorCode::ProducerFenced
            | RDKafkaErrorCode::InvalidProducerEpoch
    )
}

/// The producer's fatal error, if it has one: once set, every later
/// transaction call fails, often with the generic `Fatal` code, so the
/// original cause is looked up here.
fn fatal_cause(core: &ProducerCore) -> Option<(RDKafkaErrorCode, String)> {
    core.rd().client().fatal_error()
}

/// What to do about an `Erroneous state` answer, from the operation and
/// the state librdkafka names (`... not valid in state InTransaction`).
fn state_hint(operation: &'static str, said: &str) -> &'static str {
    let state = said.rsplit(' ').next().unwrap_or_default();
    match (operation, state) {
        ("init_transactions", _) => "init_transactions has already succeeded on this producer",
        (_, "Init" | "WaitPID" | "ReadyNotAcked") => {
            "call init_transactions (once) and wait for it to succeed first"
        }
        ("begin_transaction", "InTransaction") => {
            "a transaction is already open: commit or abort it first"
        }
        ("begin_transaction", _) => {
            "the previous transaction is not finished: commit it, or abort it if it failed"
        }
        (_, "AbortableError") => "the transaction failed: call abort_transaction",
        _ => "no transaction is open: call begin_transaction first",
    }
}

/// Classifies a failed transaction call.
pub(super) fn transaction_error(
    operation: &'static str,
    error: KafkaError,
    core: &ProducerCore,
) -> Error {
    let fatal = fatal_cause(core);
    let fenced_by_cause = fatal.as_ref().is_some_and(|(code, _)| is_fencing(*code));
    let mut said = String::new();
    let (mut message, code, fenced, abortable, retriable) = match &error {
        KafkaError::Transaction(rd) => {
            let code = rd.code();
            said = rd.string();
            let fenced = is_fencing(code) || fenced_by_cause;
            let is_fatal = rd.is_fatal() || fatal.is_some();
            (
                format!("{} ({})", rd.string(), rd.name()),
                Some(code),
                fenced,
                rd.txn_requires_abort() && !is_fatal,
                rd.is_retriable() && !is_fatal,
            )
        }
        // rust-rdkafka's commit flushes first and reports that as a flush
        // error: a timeout there can be retried, as librdkafka's own can.
        other => {
            let code = other.rdkafka_error_code();
            let timed_out = matches!(
                code,
                Some(
                    RDKafkaErrorCode::OperationTimedOut
                        | RDKafkaErrorCode::RequestTimedOut
                        | RDKafkaErrorCode::MessageTimedOut
                )
            );
            (
                other.to_string(),
                code,
                code.is_some_and(is_fencing) || fenced_by_cause,
                false,
                timed_out && fatal.is_none(),
            )
        }
    };
    if let Some((fatal_code, reason)) = &fatal {
        if code != Some(*fatal_code) {
            message.push_str(&format!(
                "; the producer has a fatal error ({fatal_code:?}): {reason}"
            ));
        }
    } else if code == Some(RDKafkaErrorCode::State) {
        message.push_str(&format!(": {}", state_hint(operation, &said)));
    } else if code == Some(RDKafkaErrorCode::Conflict) {
        message.push_str(
            ": another transaction call is still running on this producer; make one at a time",
        );
    }
    let error = Error::Transaction {
        operation,
        fenced,
        abortable,
        retriable,
        message,
    };
    tracing::warn!(%error, "transaction call failed");
    error
}

/// Explains why a transactional producer refused a record, if it was for
/// a transactional reason: the producer was fenced or has another fatal
/// error, or its transaction state forbids sending.
pub(super) fn refused_by_transaction(
    core: &ProducerCore,
    topic: &str,
    error: &KafkaError,
) -> Option<Error> {
    core.transactional_id()?;
    match error.rdkafka_error_code() {
        Some(RDKafkaErrorCode::Fatal) => Some(transaction_error("send", error.clone(), core)),
        Some(RDKafkaErrorCode::State) => Some(Error::Transaction {
            operation: "send",
            fenced: false,
            abortable: false,
            retriable: false,
            message: format!(
                "a transactional producer sends records only inside a transaction (record for \
                 `{topic}`): call begin_transaction first; if the open transaction failed, \
                 abort it, or wait for a running commit or abort to finish"
            ),
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_hints_follow_the_state_librdkafka_names() {
        let hint =
            |op, state: &str| state_hint(op, &format!("Operation not valid in state {state}"));
        assert!(hint("begin_transaction", "Init").contains("init_transactions"));
        assert!(hint("begin_transaction", "InTransaction").contains("already open"));
        assert!(hint("commit_transaction", "Ready").contains("begin_transaction"));
        assert!(hint("abort_transaction", "Ready").contains("begin_transaction"));
        assert!(hint("send_offsets_to_transaction", "AbortableError").contains("abort_transaction"));
        assert!(hint("init_transactions", "Ready").contains("already succeeded"));
    }

    #[test]
    fn fencing_codes_are_recognised() {
        assert!(is_fencing(RDKafkaErrorCode::Fenced));
        assert!(is_fencing(RDKafkaErrorCode::ProducerFenced));
        assert!(!is_fencing(RDKafkaErrorCode::State));
    }
}
