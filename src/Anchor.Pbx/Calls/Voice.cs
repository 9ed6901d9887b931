using Anchor.Media.Audio;
using Anchor.Media.Engine;
using Anchor.Pbx.Applications.AutoAttendant;
using Anchor.Pbx.Calls.Media;
using Anchor.Pbx.Routing;
using Anchor.Sip.Transactions;

namespace Anchor.Pbx.Calls;

/// <summary>How a recording ended.</summary>
public enum RecordEnd
{
    Key,
    HungUp,
    Silence,
    MaxDuration,
}

/// <summary>
/// What an application says and hears on one answered leg whose media is Anchor's own: prompts with barge-in, keys
/// pressed (RFC 4733 or SIP INFO, kept in order), digits collected by a dial plan or up to a terminator, and recordings
/// that end on a key, hang-up, silence or the maximum length. Runs inside the call's gate; timeouts are
/// <see cref="SipTimer"/>s on the one timer queue.
/// </summary>
public sealed class Voice : IAaChannel, IPrompter
{
    /// <summary>Interdigit timers as on the SPA9000's dial plans: short once the input could be complete, long while it cannot.</summary>
    public static readonly TimeSpan ShortInterDigit = TimeSpan.FromSeconds(1.5);

    public static readonly TimeSpan LongInterDigit = TimeSpan.FromSeconds(5);

    private readonly Call _call;
    private readonly Queue<char> _keys = new();
    private TaskCompletionSource<char?>? _waiting;
    private SipTimer? _timer;

    public Voice(Call call, Leg leg)
    {
        _call = call;
        Leg = leg;
        call.Digit += (l, key) =>
        {
            if (l != leg)
            {
                return;
            }

            if (_waiting is { } w)
            {
                _waiting = null;
                _timer?.Cancel();
                w.TrySetResult(key);
            }
            else
            {
                _keys.Enqueue(key);
            }
        };
    }

    public Leg Leg { get; }

    public PromptLibrary Prompts => _call.Host.Prompts ?? throw new InvalidOperationException("no prompts loaded");

    /// <summary>Forgets keys pressed so far (before a prompt whose answer must come after it).</summary>
    public void FlushKeys() => _keys.Clear();

    /// <summary>Plays <paramref name="source"/>; with <paramref name="bargeIn"/> a key stops it and is returned (not kept for later).</summary>
    public async Task<char?> PlayAsync(IAudioSource source, bool bargeIn = true)
    {
        if (bargeIn && _keys.TryDequeue(out char early))
        {
            return early; // pressed ahead (type-ahead): the prompt is skipped
        }

        Task<bool> play = _call.PlayAsync(Leg, source);
        if (!bargeIn)
        {
            await play;
            _keys.Clear(); // keys during a prompt without barge-in are not input (SPA: bargein=F)
            return null;
        }

        var key = new TaskCompletionSource<char?>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiting = key;
        Task first = await Task.WhenAny(play, key.Task);
        if (first == key.Task)
        {
            _call.StopPlayback(Leg);
            return await key.Task;
        }

        _waiting = null;
        await play; // surfaces cancellation when the call ended
        return null;
    }

    /// <summary>Plays prompts by name, one after another, barge-in on all.</summary>
    public Task<char?> SayAsync(params string[] prompts) => PlayAsync(Prompts.Say(prompts));

    /// <summary>An AA's audio items in order; barge-in only where an item allows it.</summary>
    public async Task<char?> PlayAsync(IReadOnlyList<AaAudio> audio)
    {
        foreach (AaAudio a in audio)
        {
            if (Resolve(a.Source) is { } source && await PlayAsync(source, a.BargeIn) is { } key)
            {
                return key;
            }
        }

        return null;
    }

    /// <summary>The next key within <paramref name="timeout"/>, or null.</summary>
    public Task<char?> NextKeyAsync(TimeSpan timeout)
    {
        if (_keys.TryDequeue(out char k))
        {
            return Task.FromResult<char?>(k);
        }

        if (_call.State == CallState.Ended)
        {
            return Task.FromCanceled<char?>(new CancellationToken(true));
        }

        var w = new TaskCompletionSource<char?>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiting = w;
        _timer ??= new SipTimer(_call.Host.Transactions.TimerQueue, () => _call.Gate.Post(() =>
        {
            if (_waiting is { } pending)
            {
                _waiting = null;
                pending.TrySetResult(null);
            }
        }));
        _timer.Start(timeout);
        CancellationTokenRegistration ended = _call.Ended.Register(() => w.TrySetCanceled());
        w.Task.ContinueWith(_ => ended.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return w.Task;
    }

    public async Task<string?> CollectAsync(DigitMap plan, char? first, TimeSpan firstTimeout)
    {
        char? k = first ?? await NextKeyAsync(firstTimeout);
        if (k is null)
        {
            return null;
        }

        string input = k.Value.ToString();
        while (true)
        {
            bool complete = plan.Match(input, out _) is not null;
            if (!plan.CouldExtend(input))
            {
                return input; // complete, or no longer able to match: a no-match
            }

            char? more = await NextKeyAsync(complete ? ShortInterDigit : LongInterDigit);
            if (more is null)
            {
                return input;
            }

            input += more.Value;
        }
    }

    /// <summary>Digits up to <paramref name="terminator"/> (not included) or <paramref name="max"/> of them; null when none came in time.</summary>
    public async Task<string?> ReadDigitsAsync(int max, TimeSpan firstTimeout, TimeSpan interDigit, char terminator = '#', char? first = null)
    {
        string input = "";
        char? k = first ?? await NextKeyAsync(firstTimeout);
        while (k is { } key)
        {
            if (key == terminator)
            {
                return input;
            }

            input += key;
            if (input.Length >= max)
            {
                return input;
            }

            k = await NextKeyAsync(interDigit);
        }

        return input.Length == 0 ? null : input;
    }

    /// <summary>
    /// Records what the party says until <paramref name="stopKey"/>, hang-up, <paramref name="silence"/> of silence or
    /// <paramref name="max"/>; the recording keeps everything but the silence or the key that ended it.
    /// </summary>
    public async Task<(Recorder Recording, RecordEnd End, TimeSpan Trim)> RecordAsync(TimeSpan max, TimeSpan silence, char stopKey = '#')
    {
        if (Leg.Media is not AnchoredMedia media || media.Local() is not LocalStream stream)
        {
            throw new InvalidOperationException("recording needs Anchor's own media on the leg");
        }

        FlushKeys();
        var recorder = new Recorder(max);
        stream.Record(recorder);
        RecordEnd end = RecordEnd.HungUp;
        try
        {
            while (true)
            {
                char? key = await NextKeyAsync(TimeSpan.FromMilliseconds(200));
                if (key == stopKey)
                {
                    end = RecordEnd.Key;
                    break;
                }

                if (recorder.Full)
                {
                    end = RecordEnd.MaxDuration;
                    break;
                }

                if (recorder.SilentFor >= silence)
                {
                    end = RecordEnd.Silence;
                    break;
                }
            }
        }
        catch (OperationCanceledException)
        {
            end = RecordEnd.HungUp; // the usual end of a voicemail message
        }

        await Task.WhenAny(stream.StopRecordingAsync(), Task.Delay(TimeSpan.FromSeconds(1), TimeProvider.System));
        TimeSpan trim = end switch
        {
            RecordEnd.Silence => recorder.SilentFor,
            RecordEnd.Key => TimeSpan.FromMilliseconds(250), // the key's own tone
            _ => TimeSpan.Zero,
        };
        return (recorder, end, trim);
    }

    /// <summary>An audio source for an AA source string (<c>prompt:</c>, <c>file:</c>, <c>say:</c>); null when it has nothing to say.</summary>
    public IAudioSource? Resolve(string source)
    {
        if (source.StartsWith("prompt:", StringComparison.Ordinal))
        {
            return Prompts.Say(source["prompt:".Length..]);
        }

        if (source.StartsWith("say:", StringComparison.Ordinal))
        {
            string[] digits = Prompts.Digits(source["say:".Length..]).ToArray();
            return digits.Length == 0 ? null : Prompts.Say(digits);
        }

        if (source.StartsWith("file:", StringComparison.Ordinal))
        {
            return new ClipSource(_call.Host.Clip(source["file:".Length..]));
        }

        return null;
    }
}
