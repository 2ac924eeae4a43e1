// Server-sent events (WHATWG HTML, "Server-sent events") read with fetch()
// and a stream reader rather than EventSource, so that the request carries
// the X-API-Key header (the gateway takes no key in the URL) and resumes
// with a Last-Event-ID header we set ourselves.
//
//   const parser = sseParser((event) => console.log(event.id, event.type, event.data));
//   parser.push('id: 4\nevent: alert\ndata: {"name":"alerts/a"}\n\n');
//
// Each dispatched event is {id, type, data}: `type` is "message" when the
// block has no `event:` line, `data` is the `data:` lines joined with "\n".
// Comment lines (": keep-alive") and `retry:` are read and dropped; a block
// without data dispatches nothing (as in the standard). `id` is the last id
// seen, carried over to later blocks without one.
export function sseParser(onEvent) {
  let buffer = '';
  let lastId = '';
  const dispatch = (block) => {
    let type = '';
    const data = [];
    for (const line of block.split('\n')) {
      if (line === '' || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'data') data.push(value);
      else if (field === 'event') type = value;
      else if (field === 'id' && !value.includes('\0')) lastId = value;
    }
    if (data.length) onEvent({ id: lastId, type: type || 'message', data: data.join('\n') });
  };
  return {
    push(text) {
      buffer += text.replace(/\r\n?/g, '\n');
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        dispatch(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        end = buffer.indexOf('\n\n');
      }
    },
    lastId: () => lastId,
  };
}

// Reads an event stream from `url` until `signal` aborts, reconnecting
// after `retryMs` whenever the stream ends or fails, with Last-Event-ID set
// to the last id received (or `since` before the first event). `onEvent`
// gets each event; `onState` gets 'open', 'retrying' or a terminal 'closed'
// (the response was 401/403/404: reconnecting would not help) with the
// HTTP status.
export async function followEventStream(url, { headers = {}, since = '', signal, onEvent,
  onState = () => {}, retryMs = 2000 }) {
  let lastId = since ? String(since) : '';
  while (!signal.aborted) {
    const parser = sseParser((event) => {
      lastId = event.id || lastId;
      onEvent(event);
    });
    try {
      const response = await fetch(url, {
        headers: { ...headers, Accept: 'text/event-stream', ...(lastId ? { 'Last-Event-ID': lastId } : {}) },
        signal,
        cache: 'no-store',
      });
      if ([401, 403, 404].includes(response.status)) {
        onState('closed', response.status);
        return response.status;
      }
      if (response.ok && response.body) {
        onState('open', response.status);
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          parser.push(value);
        }
      }
    } catch (error) {
      if (signal.aborted) break;
    }
    if (signal.aborted) break;
    onState('retrying');
    await new Promise((resolve) => {
      const timer = setTimeout(resolve, retryMs);
      signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
    });
  }
  return 0;
}
