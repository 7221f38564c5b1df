using System.Globalization;
using System.Linq.Expressions;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;

namespace WeChatAi.Core.Redis;

/// <summary>
/// A Lua script kept as an embedded <c>.lua</c> file beside its owner, called with a <typeparamref name="TCall"/> whose
/// properties name its KEYS and ARGV: a <see cref="RedisKey"/> property is a key, any other an argument, in the order
/// they are declared; a last property that is a list carries a variable number of arguments (of <see cref="RedisValue"/>)
/// or of items (records with keys and arguments of their own, e.g. one per message of a batch). The file is read once;
/// the text Redis runs starts with a one-line prologue that binds each property to a Lua local of the same name in
/// camelCase (<c>local balance = KEYS[1]</c>) and each constant the owner passes (<c>local balanceField = 'balance'</c>),
/// so neither the caller nor the script counts offsets.
/// </summary>
/// <remarks>
/// Not StackExchange.Redis's <c>LuaScript.Prepare</c> (@named parameters): it sends every parameter as ARGV and has the
/// script read keys from that copy (KEYS only routes the call), its <c>@name</c> files are not Lua, and it has no way to
/// pass a batch (admission sends a variable number of messages, each with its own keys). Here keys stay in KEYS, the
/// script reads them there (what Redis requires of a script's keys, and what a cluster checks), and the files stay Lua.
/// </remarks>
public sealed class RedisScript<TCall>
{
    private readonly Func<TCall, RedisKey>[] _keys;
    private readonly Func<TCall, RedisValue>[] _args;
    private readonly ScriptList<TCall>? _list;
    private readonly byte[] _hash;

    internal RedisScript(string text, Func<TCall, RedisKey>[] keys, Func<TCall, RedisValue>[] args, ScriptList<TCall>? list)
    {
        Text = text;
#pragma warning disable CA5350 // Redis names scripts by their SHA1; no security rests on it.
        _hash = SHA1.HashData(Encoding.UTF8.GetBytes(text));
#pragma warning restore CA5350
        _keys = keys;
        _args = args;
        _list = list;
    }

    /// <summary>What Redis runs: the prologue, then the file. Called by its SHA1 (EVALSHA); sent whole only to a server that lacks it.</summary>
    public string Text { get; }

    public Task<RedisResult> EvaluateAsync(IDatabaseAsync db, TCall call)
    {
        ArgumentNullException.ThrowIfNull(db);
        var keys = new RedisKey[_keys.Length + (_list?.KeyCount(call) ?? 0)];
        var args = new RedisValue[_args.Length + (_list?.ArgCount(call) ?? 0)];
        for (int i = 0; i < _keys.Length; i++)
        {
            keys[i] = _keys[i](call);
        }

        for (int i = 0; i < _args.Length; i++)
        {
            args[i] = _args[i](call);
        }

        _list?.Write(call, keys, _keys.Length, args, _args.Length);
        // By its hash: given the text, StackExchange.Redis hashes all of it to look its SHA1 up on every call (~2 % of the
        // worker's CPU). A batch's commands are sent together, so a retry could not follow its NOSCRIPT: it gets the text.
        return db is IBatch ? db.ScriptEvaluateAsync(Text, keys, args) : EvaluateByHashAsync(db, keys, args);
    }

    private async Task<RedisResult> EvaluateByHashAsync(IDatabaseAsync db, RedisKey[] keys, RedisValue[] args)
    {
        try
        {
            return await db.ScriptEvaluateAsync(_hash, keys, args).ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal))
        {
            // The server does not have it (first call, restart, failover, SCRIPT FLUSH): the text loads it there.
            return await db.ScriptEvaluateAsync(Text, keys, args).ConfigureAwait(false);
        }
    }
}

/// <summary>Loads <see cref="RedisScript{TCall}"/>s and binds their calls.</summary>
public static class RedisScript
{
    /// <summary>Loads <paramref name="file"/> (in <paramref name="owner"/>'s folder) once, with its prologue.</summary>
    /// <param name="constants">Objects whose properties become Lua locals (C# constants the script uses, such as field names).</param>
    /// <param name="library">Another file of the folder put before this one (Lua functions two scripts share).</param>
    public static RedisScript<TCall> Load<TCall>(Type owner, string file, IEnumerable<object>? constants = null, string? library = null)
    {
        ArgumentNullException.ThrowIfNull(owner);
        var prologue = new StringBuilder();
        var keys = new List<Func<TCall, RedisKey>>();
        var args = new List<Func<TCall, RedisValue>>();
        ScriptList<TCall>? list = null;
        var properties = Properties(typeof(TCall));
        foreach (var property in properties)
        {
            if (list is not null)
            {
                throw new InvalidOperationException($"{typeof(TCall).Name}.{property.Name}: only the last property of a script call may be a list.");
            }

            if (property.PropertyType == typeof(RedisKey))
            {
                keys.Add(Getter<TCall, RedisKey>(property));
                prologue.Append(CultureInfo.InvariantCulture, $"local {LuaName(property)} = KEYS[{keys.Count}] ");
            }
            else if (ScriptList<TCall>.For(property, keys.Count, args.Count) is { } tail)
            {
                list = tail;
                prologue.Append(tail.Prologue);
            }
            else
            {
                args.Add(Getter<TCall, RedisValue>(property));
                prologue.Append(CultureInfo.InvariantCulture, $"local {LuaName(property)} = ARGV[{args.Count}] ");
            }
        }

        foreach (var names in constants ?? [])
        {
            foreach (var constant in names.GetType().GetProperties())
            {
                prologue.Append(CultureInfo.InvariantCulture, $"local {LuaName(constant)} = {LuaLiteral(constant.GetValue(names))} ");
            }
        }

        // One line, the file's first: Redis's error line numbers are the file's (after a library's, for the two that use one).
        if (library is not null)
        {
            prologue.Append(Read(owner, library)).Append('\n');
        }

        return new RedisScript<TCall>(prologue.Append(Read(owner, file)).ToString(), [.. keys], [.. args], list);
    }

    // Declaration order (metadata order), which is the order of a record's parameters.
    internal static PropertyInfo[] Properties(Type type) =>
        [.. type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0 && p.Name != "EqualityContract").OrderBy(p => p.MetadataToken)];

    internal static string LuaName(PropertyInfo property) => char.ToLowerInvariant(property.Name[0]) + property.Name[1..];

    // A compiled getter, converting with RedisValue's own implicit operators (string, long, int, double, bool, byte[]).
    internal static Func<TOwner, TValue> Getter<TOwner, TValue>(PropertyInfo property)
    {
        var owner = Expression.Parameter(typeof(TOwner));
        return Expression.Lambda<Func<TOwner, TValue>>(Expression.Convert(Expression.Property(owner, property), typeof(TValue)), owner).Compile();
    }

    private static string LuaLiteral(object? value) => value switch
    {
        string text => "'" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal) + "'",
        int or long => Convert.ToString(value, CultureInfo.InvariantCulture)!,
        _ => throw new InvalidOperationException($"A script constant must be a string or an integer, not {value?.GetType().Name ?? "null"}."),
    };

    private static string Read(Type owner, string file)
    {
        using var stream = owner.Assembly.GetManifestResourceStream(owner, file)
            ?? throw new InvalidOperationException($"The script {owner.Namespace}.{file} is not embedded in {owner.Assembly.GetName().Name} (<EmbeddedResource Include=\"**/*.lua\" />).");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
