using System.Globalization;
using System.Reflection;
using System.Text;
using StackExchange.Redis;

namespace WeChatAi.Core.Redis;

/// <summary>
/// The last property of a <see cref="RedisScript{TCall}"/> call when it is a list: arguments after the named ones
/// (<c>IReadOnlyList&lt;RedisValue&gt;</c>, bound to a Lua table), or items whose own properties are keys and arguments
/// (bound to a Lua table of tables, one per item, with a field per property).
/// </summary>
internal abstract class ScriptList<TCall>
{
    public required string Prologue { get; init; }

    public abstract int KeyCount(TCall call);

    public abstract int ArgCount(TCall call);

    public abstract void Write(TCall call, RedisKey[] keys, int firstKey, RedisValue[] args, int firstArg);

    /// <returns>Null when <paramref name="property"/> is no list (a <c>byte[]</c> is one argument).</returns>
    public static ScriptList<TCall>? For(PropertyInfo property, int keysBefore, int argsBefore)
    {
        var type = property.PropertyType;
        var element = type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IReadOnlyList<>) ? type.GetGenericArguments()[0] : null;
        if (element is null)
        {
            return null;
        }

        return element == typeof(RedisValue)
            ? new ValueList<TCall>(property, argsBefore)
            : (ScriptList<TCall>)Activator.CreateInstance(typeof(ItemList<,>).MakeGenericType(typeof(TCall), element), property, keysBefore, argsBefore)!;
    }
}

internal sealed class ValueList<TCall> : ScriptList<TCall>
{
    private readonly Func<TCall, IReadOnlyList<RedisValue>> _values;

    [System.Diagnostics.CodeAnalysis.SetsRequiredMembers]
    public ValueList(PropertyInfo property, int argsBefore)
    {
        _values = RedisScript.Getter<TCall, IReadOnlyList<RedisValue>>(property);
        var name = RedisScript.LuaName(property);

        // ARGV itself when nothing comes before: no copy of a long list (e.g. every blocked OpenID).
        Prologue = argsBefore == 0
            ? $"local {name} = ARGV "
            : string.Create(CultureInfo.InvariantCulture, $"local {name} = {{}} for i = {argsBefore + 1}, #ARGV do {name}[i - {argsBefore}] = ARGV[i] end ");
    }

    public override int KeyCount(TCall call) => 0;

    public override int ArgCount(TCall call) => _values(call).Count;

    public override void Write(TCall call, RedisKey[] keys, int firstKey, RedisValue[] args, int firstArg)
    {
        var values = _values(call);
        for (int i = 0; i < values.Count; i++)
        {
            args[firstArg + i] = values[i];
        }
    }
}

internal sealed class ItemList<TCall, TItem> : ScriptList<TCall>
{
    private readonly Func<TCall, IReadOnlyList<TItem>> _items;
    private readonly Func<TItem, RedisKey>[] _keys;
    private readonly Func<TItem, RedisValue>[] _args;

    [System.Diagnostics.CodeAnalysis.SetsRequiredMembers]
    public ItemList(PropertyInfo property, int keysBefore, int argsBefore)
    {
        _items = RedisScript.Getter<TCall, IReadOnlyList<TItem>>(property);
        var fields = new List<string>();
        var keys = new List<Func<TItem, RedisKey>>();
        var args = new List<Func<TItem, RedisValue>>();
        foreach (var item in RedisScript.Properties(typeof(TItem)))
        {
            if (item.PropertyType == typeof(RedisKey))
            {
                keys.Add(RedisScript.Getter<TItem, RedisKey>(item));
                fields.Add($"{RedisScript.LuaName(item)} = KEYS[k + {keys.Count}]");
            }
            else
            {
                args.Add(RedisScript.Getter<TItem, RedisValue>(item));
                fields.Add($"{RedisScript.LuaName(item)} = ARGV[a + {args.Count}]");
            }
        }

        _keys = [.. keys];
        _args = [.. args];
        var name = RedisScript.LuaName(property);
        var count = _keys.Length > 0 ? $"(#KEYS - {keysBefore}) / {_keys.Length}" : $"(#ARGV - {argsBefore}) / {_args.Length}";
        Prologue = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"local {name} = {{}} for i = 1, {count} do ")
            .Append(CultureInfo.InvariantCulture, $"local k, a = {keysBefore} + (i - 1) * {_keys.Length}, {argsBefore} + (i - 1) * {_args.Length} ")
            .Append(CultureInfo.InvariantCulture, $"{name}[i] = {{ {string.Join(", ", fields)} }} end ")
            .ToString();
    }

    public override int KeyCount(TCall call) => _items(call).Count * _keys.Length;

    public override int ArgCount(TCall call) => _items(call).Count * _args.Length;

    public override void Write(TCall call, RedisKey[] keys, int firstKey, RedisValue[] args, int firstArg)
    {
        var items = _items(call);
        for (int i = 0; i < items.Count; i++)
        {
            for (int k = 0; k < _keys.Length; k++)
            {
                keys[firstKey + (i * _keys.Length) + k] = _keys[k](items[i]);
            }

            for (int a = 0; a < _args.Length; a++)
            {
                args[firstArg + (i * _args.Length) + a] = _args[a](items[i]);
            }
        }
    }
}
