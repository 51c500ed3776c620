//! Resolving a name with `getaddrinfo` and walking the list it returns, with
//! live pointers into C's memory: no offset computed by hand, no copy.
//!
//! `cargo run --example getaddrinfo [NAME] [SERVICE]` (default: localhost 80;
//! names are resolved as the system resolves them: `/etc/hosts`, DNS).

use wyvern::{CData, CPtr, Library, Module, Value};

fn main() -> wyvern::Result<()> {
    let mut args = std::env::args().skip(1);
    let name = args.next().unwrap_or_else(|| "localhost".into());
    let service = args.next().unwrap_or_else(|| "80".into());
    let types = wyvern::Parser::new()
        .header("<netdb.h>")
        .header("<arpa/inet.h>")
        .parse()?;
    let libc = Module::new(types, Library::this_process());
    let types = libc.types();

    let mut hints = CData::new_named(types, "struct addrinfo")?;
    hints.set("ai_socktype", Value::Ident("SOCK_STREAM".into()))?;
    let list = Value::Ref(CData::new_named(types, "struct addrinfo *")?);
    let mut call = [
        name.as_str().into(),
        service.as_str().into(),
        Value::Ref(hints),
        list,
    ];
    // SAFETY: getaddrinfo's arguments are two strings, the hints, and where to put the list.
    let status = unsafe { libc.function("getaddrinfo")?.call(&mut call)? };
    if status != Value::Int(0) {
        let why = unsafe { libc.function("gai_strerror")?.call(&mut [status])? };
        let why = unsafe { why.c_string(None)? }.unwrap_or_default();
        eprintln!("{name}: {}", String::from_utf8_lossy(&why));
        std::process::exit(1);
    }
    // The list's head, which getaddrinfo wrote into the out-parameter.
    let head = call[3].as_data().map(|d| d.get("")).transpose()?;
    let head = head.and_then(|v| v.as_address()).unwrap_or(0);
    let inet6 = match types.constant("AF_INET6")?.value {
        wyvern::ConstValue::Int(v) => Value::Int(v),
        _ => Value::Void,
    };

    // SAFETY: getaddrinfo returned a valid list; `ai_next` links are valid or NULL.
    let mut ai = unsafe { CPtr::new_named(types, "struct addrinfo *", head)? };
    while !ai.is_null() {
        let family = ai.get("ai_family")?;
        let text = CData::new_named(types, "char [64]")?;
        let mut ntop = [
            family.clone(),
            Value::Null,
            Value::Ref(text),
            Value::Int(64),
        ];
        // The address: a sockaddr_in or sockaddr_in6, by the family.
        // SAFETY: ai_addr points to ai_addrlen bytes of the family's sockaddr.
        let addr = unsafe { ai.follow("ai_addr")? };
        let port = if family == inet6 {
            let six = unsafe { addr.cast_unchecked("struct sockaddr_in6 *")? };
            ntop[1] = Value::from(&six.addressof("sin6_addr")?);
            six.get("sin6_port")?
        } else {
            let four = addr.cast("struct sockaddr_in *")?;
            ntop[1] = Value::from(&four.addressof("sin_addr")?);
            four.get("sin_port")?
        };
        // SAFETY: inet_ntop writes at most 64 bytes into the buffer.
        unsafe { libc.function("inet_ntop")?.call(&mut ntop)? };
        let text = ntop[2]
            .as_data()
            .map(|d| d.string(""))
            .transpose()?
            .unwrap_or_default();
        let port = u16::from_be(port.as_int().unwrap_or(0) as u16);
        println!(
            "{:<8} {:<28} port {port}, socktype {}, protocol {}",
            if family == inet6 { "IPv6" } else { "IPv4" },
            String::from_utf8_lossy(&text),
            ai.get("ai_socktype")?,
            ai.get("ai_protocol")?
        );
        ai = unsafe { ai.follow("ai_next")? };
    }
    // SAFETY: the list getaddrinfo returned, freed once.
    unsafe {
        libc.function("freeaddrinfo")?
            .call(&mut [Value::Pointer(head)])?
    };
    Ok(())
}
