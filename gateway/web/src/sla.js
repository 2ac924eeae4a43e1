// Ticket SLA figures for the queue: which deadline is running, how long is
// left (negative: overdue), and in what words.
//
//   const due = slaDue(ticket);          // {kind: 'firstResponse'|'resolution'|null, deadline, state}
//   countdown(due.deadline, Date.now())  // {overdue: false, text: '3h 20m'}
const openStates = ['NEW', 'ACKNOWLEDGED', 'IN_PROGRESS'];

export function isOpen(ticket) {
  return openStates.includes(ticket.state || 'NEW');
}

// The deadline that runs now: the first response until the ticket has one,
// then the resolution; none once resolved or closed.
export function slaDue(ticket) {
  if (!isOpen(ticket)) return { kind: null, deadline: null, state: ticket.resolutionSla || '' };
  if (!ticket.firstResponseTime && ticket.firstResponseDeadline) {
    return { kind: 'firstResponse', deadline: ticket.firstResponseDeadline, state: ticket.firstResponseSla || '' };
  }
  return { kind: 'resolution', deadline: ticket.resolutionDeadline || null, state: ticket.resolutionSla || '' };
}

// "2d 3h", "3h 20m", "12m" (at least a minute) until `deadline`, or since
// it when overdue.
export function countdown(deadline, nowMs) {
  const due = Date.parse(deadline);
  if (!deadline || Number.isNaN(due)) return { overdue: false, text: '–', minutes: null };
  const minutes = Math.round((due - nowMs) / 60000);
  const left = Math.abs(minutes);
  const days = Math.floor(left / 1440);
  const hours = Math.floor((left % 1440) / 60);
  const mins = left % 60;
  const text = days > 0 ? `${days}d ${hours}h` : hours > 0 ? `${hours}h ${mins}m` : `${Math.max(mins, 1)}m`;
  return { overdue: minutes < 0, text, minutes };
}

// Open tickets first, by the deadline that runs now (soonest first), then
// the others newest first.
export function queueOrder(tickets) {
  const key = (t) => Date.parse(slaDue(t).deadline || '') || Number.MAX_SAFE_INTEGER;
  return [...tickets].sort((a, b) => {
    const openA = isOpen(a); const openB = isOpen(b);
    if (openA !== openB) return openA ? -1 : 1;
    if (openA) return key(a) - key(b);
    return String(b.createTime || '').localeCompare(String(a.createTime || ''));
  });
}
