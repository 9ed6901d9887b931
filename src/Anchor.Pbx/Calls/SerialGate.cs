using System.Collections.Concurrent;

namespace Anchor.Pbx.Calls;

/// <summary>
/// A call's one serial gate: everything that touches the call (SIP events of its legs, timer expiries, media events,
/// its application's code and every continuation of its awaits) runs here, one item at a time, in order, so the call
/// needs no lock of its own. Work runs on the thread that posts it when the gate is free (no thread hop for the SIP
/// path); work posted meanwhile is run by that same thread before it leaves. It is also the
/// <see cref="TaskScheduler"/> the call's application runs on, so <c>await</c> comes back into the gate.
/// </summary>
public sealed class SerialGate : TaskScheduler
{
    private readonly ConcurrentQueue<Action> _work = new();
    private readonly Action<Exception> _onError;
    [ThreadStatic]
    private static SerialGate? t_current;

    private int _running;

    /// <param name="onError">Told about an exception that escaped an item (the item is dropped; the gate goes on).</param>
    public SerialGate(Action<Exception> onError) => _onError = onError;

    /// <summary>Whether the calling thread is inside the gate now.</summary>
    public bool IsCurrent => t_current == this;

    public void Post(Action work)
    {
        _work.Enqueue(work);
        Drain();
    }

    /// <summary>Runs <paramref name="start"/> as a task on the gate (an application: its awaits come back here).</summary>
    public Task Run(Func<Task> start) => Task.Factory.StartNew(start, CancellationToken.None, TaskCreationOptions.DenyChildAttach, this).Unwrap();

    public override int MaximumConcurrencyLevel => 1;

    protected override void QueueTask(Task task) => Post(() => TryExecuteTask(task));

    /// <summary>Inline only when already inside the gate (the task then runs in order with the item that asked).</summary>
    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) => !taskWasPreviouslyQueued && IsCurrent && TryExecuteTask(task);

    protected override IEnumerable<Task> GetScheduledTasks() => [];

    private void Drain()
    {
        while (!_work.IsEmpty)
        {
            if (Interlocked.CompareExchange(ref _running, 1, 0) != 0)
            {
                return; // another thread is draining: it will see our item
            }

            SerialGate? outer = t_current; // another call's gate may be draining on this thread (one call posting to another)
            t_current = this;
            try
            {
                while (_work.TryDequeue(out Action? item))
                {
                    try
                    {
                        item();
                    }
                    catch (Exception e)
                    {
                        _onError(e);
                    }
                }
            }
            finally
            {
                t_current = outer;
                Volatile.Write(ref _running, 0);
            }

            // An item enqueued between the last TryDequeue and the release would be stranded: look again.
        }
    }
}
