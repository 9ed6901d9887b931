using Anchor.Pbx.Applications.AutoAttendant;
using Anchor.Pbx.Routing;

namespace Anchor.Pbx.Tests.Applications;

/// <summary>
/// SPA9000 AA scripts (the guide's default script and its element rules) and the runner's state machine, with a
/// scripted channel: each menu hears the next input (a string of keys, or silence).
/// </summary>
public class AaScriptTests
{
    internal const string SpaDefault = """
        <aa><form id="main" type="menu"><audio src="prompt1" bargein="T"/><dialplan src="dp2"/>
         <noinput timeout="10" repeat="T"/><nomatch><audio src="prompt3" bargein="T"/></nomatch>
         <match><case input="*"><audio src="prompt4"/><exit/></case>
          <default><audio src="prompt2"/><xfer name="ext" target="$input"/></default></match></form></aa>
        """;

    private static readonly DigitMap[] Plans = [DigitMap.Parse("(<9:>xx.|[1-8]xx)"), DigitMap.Parse("(101|102|103|*)")];

    private static string? Prompts(string name) => name.StartsWith("prompt", StringComparison.Ordinal) ? "prompt:" + name : null;

    private static AaScript Parse(string xml)
    {
        Assert.True(SpaScriptParser.TryParse(xml, Plans, Prompts, out AaScript? s, out string? error), error);
        return s!;
    }

    /// <summary>Plays nothing (records what it would), answers each collection with the next scripted input.</summary>
    private sealed class ScriptedChannel(params string?[] inputs) : IAaChannel
    {
        private readonly Queue<string?> _inputs = new(inputs);

        public List<string> Played { get; } = [];

        public int Collections { get; private set; }

        public Task<char?> PlayAsync(IReadOnlyList<AaAudio> audio)
        {
            Played.AddRange(audio.Select(a => a.Source));
            return Task.FromResult<char?>(null);
        }

        public Task<string?> CollectAsync(DigitMap plan, char? first, TimeSpan firstTimeout)
        {
            Collections++;
            return Task.FromResult(_inputs.Count > 0 ? _inputs.Dequeue() : null);
        }
    }

    [Fact]
    public void The_spa_default_script_parses()
    {
        AaScript s = Parse(SpaDefault);
        AaForm main = Assert.Single(s.Forms);
        Assert.Equal(AaFormKind.Menu, main.Kind);
        Assert.Equal([new AaAudio("prompt:prompt1", true)], main.Audio);
        Assert.Same(Plans[1], main.Menu!.DialPlan);
        Assert.True(main.Menu.NoInput.Repeat);
        Assert.Equal(TimeSpan.FromSeconds(10), main.Menu.NoInput.Timeout);
        Assert.False(main.Menu.NoMatch.Repeat);
        Assert.IsType<AaExit>(Assert.Single(main.Menu.Cases).Step.Action);
        Assert.Equal(AaTransfer.Input, Assert.IsType<AaTransfer>(main.Menu.Default!.Action).Target);
    }

    [Fact]
    public async Task Default_script_transfers_to_what_was_dialled_and_star_says_goodbye()
    {
        AaScript s = Parse(SpaDefault);
        var dial = new ScriptedChannel("102");
        Assert.Equal("102", (await AaRunner.RunAsync(s, dial)).Transfer);
        Assert.Equal(["prompt:prompt1", "prompt:prompt2"], dial.Played);

        var star = new ScriptedChannel("*");
        Assert.Null((await AaRunner.RunAsync(s, star)).Transfer);
        Assert.Equal(["prompt:prompt1", "prompt:prompt4"], star.Played);
    }

    [Fact]
    public async Task Default_script_nomatch_without_repeat_keeps_waiting_and_noinput_repeats()
    {
        AaScript s = Parse(SpaDefault);
        // 555 fails dp2: prompt3, and the menu waits again (no replay); then silence replays the menu; then 103.
        var ch = new ScriptedChannel("555", null, "103");
        var trace = new List<string>();
        Assert.Equal("103", (await AaRunner.RunAsync(s, ch, trace.Add)).Transfer);
        Assert.Equal(["prompt:prompt1", "prompt:prompt3", "prompt:prompt1", "prompt:prompt2"], ch.Played);
        Assert.Equal(["main: no match for \"555\"", "main: no input", "main: repeat 1 of 10", "main: \"103\""], trace);
    }

    [Fact]
    public async Task Dial_plan_rewriting_is_the_input_and_goto_moves_between_forms()
    {
        const string xml = """
            <aa>
              <form id="start" type="node"><audio src="prompt5"/><goto link="menu"/></form>
              <form id="menu" type="menu"><audio src="prompt1"/><dialplan src="dp1"/>
                <match><case input="9x."><audio src="prompt6"/><goto link="start"/></case>
                  <default><xfer target="$input"/></default></match></form>
            </aa>
            """;
        AaScript s = Parse(xml);
        // 9555 is rewritten by <9:> to 555: that is $input (and what the cases see, so 9x. does not match it).
        var ch = new ScriptedChannel("9555");
        Assert.Equal("555", (await AaRunner.RunAsync(s, ch)).Transfer);
        Assert.Equal(["prompt:prompt5", "prompt:prompt1"], ch.Played);
        Assert.Equal("123", (await AaRunner.RunAsync(s, new ScriptedChannel("123"))).Transfer);
    }

    [Fact]
    public async Task A_script_that_loops_forever_is_ended()
    {
        const string xml = """<aa><form id="a" type="node"><goto link="b"/></form><form id="b" type="node"><goto link="a"/></form></aa>""";
        Assert.Null((await AaRunner.RunAsync(Parse(xml), new ScriptedChannel())).Transfer);
    }

    [Theory]
    [InlineData("<aa><form id=\"m\" type=\"menu\"><audio src=\"prompt1\"/></form></aa>", "needs a <dialplan>")]
    [InlineData("<aa><form id=\"m\" type=\"menu\"><dialplan src=\"dp3\"/><match/></form></aa>", "must be dp1 or dp2")]
    [InlineData("<aa><form id=\"m\" type=\"node\"><goto link=\"nowhere\"/></form></aa>", "goto \"nowhere\" names no form")]
    [InlineData("<aa><form id=\"m\" type=\"node\"><audio src=\"hello\"/></form></aa>", "no such prompt")]
    [InlineData("<aa><menu/></aa>", "only <form>")]
    [InlineData("<aa><form id=\"m\" type=\"node\"><audio src=\"prompt1\" bargein=\"maybe\"/></form></aa>", "must be T or F")]
    [InlineData("<aa><form id=\"m\" type=\"node\"></aa>", "line 1")]
    [InlineData("<script/>", "one <aa> element")]
    public void Errors_say_what_and_where(string xml, string expected)
    {
        Assert.False(SpaScriptParser.TryParse(xml, Plans, Prompts, out _, out string? error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_menu_keys_invalid_input_retries_and_no_input_target()
    {
        var mode = new AaMode
        {
            Menu = new Dictionary<char, Target> { ['2'] = new(TargetKind.Extension, "102"), ['9'] = new(TargetKind.Mailbox, "101") },
            Retries = 2,
            NoInput = new Target(TargetKind.Mailbox, "103"),
        };
        AaScript script = AaMenuBuilder.Build(mode, ["101", "102", "103"]);

        Assert.Equal("102", (await AaRunner.RunAsync(script, new ScriptedChannel("2"))).Transfer);
        Assert.Equal("vm101", (await AaRunner.RunAsync(script, new ScriptedChannel("9"))).Transfer);

        // * repeats the greeting; 5 is not on the menu: "invalid option" and the greeting again, twice; then NoInput.
        var ch = new ScriptedChannel("*", "5", "5", "5");
        Assert.Equal("vm103", (await AaRunner.RunAsync(script, ch)).Transfer);
        Assert.Equal(3, ch.Played.Count(p => p == "prompt:invalid-option")); // the third refusal goes on to NoInput
        Assert.Equal(4, ch.Played.Count(p => p == "prompt:thank-you-for-calling")); // first, after *, and two repeats
        Assert.Equal(4, ch.Collections);

        // Silence: repeated Retries times, then NoInput.
        var quiet = new ScriptedChannel();
        Assert.Equal("vm103", (await AaRunner.RunAsync(script, quiet)).Transfer);
        Assert.Equal(3, quiet.Collections);
    }

    [Fact]
    public async Task Json_menu_with_dial_extensions_connects_a_dialled_extension()
    {
        var mode = new AaMode { Menu = new Dictionary<char, Target> { ['0'] = new(TargetKind.Extension, "101") }, DialExtensions = true };
        AaScript script = AaMenuBuilder.Build(mode, ["101", "102"]);
        Assert.Equal("102", (await AaRunner.RunAsync(script, new ScriptedChannel("102"))).Transfer);
        Assert.Equal("101", (await AaRunner.RunAsync(script, new ScriptedChannel("0"))).Transfer);
    }

    [Fact]
    public void The_default_greeting_lists_the_menu()
    {
        var mode = new AaMode
        {
            Menu = new Dictionary<char, Target> { ['0'] = new(TargetKind.Extension, "101"), ['2'] = new(TargetKind.Extension, "102"), ['9'] = new(TargetKind.Mailbox, "101") },
        };
        AaForm main = AaMenuBuilder.Build(mode, ["101", "102"]).First;
        Assert.Equal(
            ["prompt:thank-you-for-calling", "prompt:for", "prompt:extension", "say:102", "prompt:press", "say:2", "prompt:for", "prompt:voicemail",
                "prompt:press", "say:9", "prompt:to-reach-the-operator"],
            main.Audio.Select(a => a.Source));
    }
}
