// Lists the public TorchSharp methods that make a Scalar and do not keep it alive through the native call that reads
// it (an implicit conversion, or ToScalar(), in their IL or in what they call), as BannedSymbols.txt's documentation
// IDs. src/Dcgan.Core/BannedSymbols.txt is the implicit conversions plus this list for TorchSharp 0.107.0; run again
// when TorchSharp changes:
//   dotnet run build/scalar-temporaries.cs -- ~/.nuget/packages/torchsharp/0.107.0/lib/net8.0/TorchSharp.dll
// Why: Models/HeldScalars.cs. Methods reached through virtual calls (a module's forward) cannot be banned this way.
#:property PublishAot=false
#:property TreatWarningsAsErrors=false
#:property NoWarn=IL2026;IL2070;IL2075;IL3050
using System.Reflection;
using System.Reflection.Emit;
var asm = Assembly.LoadFrom(args[0]);
var ops = typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (OpCode)f.GetValue(null)!).ToList();
var one = ops.Where(o => o.Size == 1).ToDictionary(o => (byte)o.Value);
var two = ops.Where(o => o.Size == 2).ToDictionary(o => (byte)(o.Value & 0xff));
const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
IEnumerable<MethodBase> Methods(Type t) => t.GetMethods(All).Cast<MethodBase>().Concat(t.GetConstructors(All));
Type[] types; try { types = asm.GetTypes(); } catch (ReflectionTypeLoadException e) { types = e.Types.Where(t => t != null).ToArray()!; }
var calls = new Dictionary<MethodBase, List<MethodBase>>();
foreach (var t in types) foreach (var m in Methods(t)) {
  byte[]? il; try { il = m.GetMethodBody()?.GetILAsByteArray(); } catch { continue; }
  if (il is null) continue;
  var list = new List<MethodBase>(); calls[m] = list;
  for (int i = 0; i < il.Length;) {
    OpCode op = il[i] == 0xFE ? two[il[++i]] : one[il[i]]; i++;
    int size = op.OperandType switch { OperandType.InlineNone => 0, OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1, OperandType.InlineVar => 2, OperandType.InlineI8 or OperandType.InlineR => 8, OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, i), _ => 4 };
    if (op.OperandType == OperandType.InlineMethod) { try { var r = m.Module.ResolveMethod(BitConverter.ToInt32(il, i), m.DeclaringType?.GetGenericArguments(), m.IsGenericMethod ? m.GetGenericArguments() : null); if (r != null) list.Add(r); } catch { } }
    i += size;
  }
}
bool Makes(MethodBase m) => m.DeclaringType?.FullName == "TorchSharp.Scalar" && m.Name == "op_Implicit" || m.DeclaringType?.FullName == "TorchSharp.ScalarExtensionMethods" && m.Name == "ToScalar";
// transitive: a method that makes a Scalar, or calls a non-public one that does
var makes = new HashSet<MethodBase>(calls.Where(kv => kv.Value.Any(Makes)).Select(kv => kv.Key));
bool grew = true;
while (grew) { grew = false; foreach (var (m, cs) in calls) if (!makes.Contains(m) && cs.Any(c => makes.Contains(c) && !(c.IsPublic && c.DeclaringType!.IsVisible && c.GetParameters().Any(p => p.ParameterType.FullName == "TorchSharp.Scalar")))) { makes.Add(m); grew = true; } }
string Id(Type t, MethodBase owner) {
  if (t.IsByRef) return Id(t.GetElementType()!, owner) + "@";
  if (t.IsArray) return Id(t.GetElementType()!, owner) + "[]";
  if (t.IsGenericMethodParameter) return "``" + t.GenericParameterPosition;
  if (t.IsGenericTypeParameter) return "`" + t.GenericParameterPosition;
  if (t.IsGenericType) { var d = t.GetGenericTypeDefinition(); var n = d.FullName!; n = n[..n.IndexOf('`')]; return n.Replace('+', '.') + "{" + string.Join(",", t.GetGenericArguments().Select(a => Id(a, owner))) + "}"; }
  return t.FullName!.Replace('+', '.');
}
foreach (var m in makes.Where(m => m.IsPublic && m.DeclaringType!.IsVisible && !Makes(m)).OrderBy(m => m.DeclaringType!.FullName).ThenBy(m => m.Name)) {
  ParameterInfo[] ps; try { ps = m.GetParameters(); } catch { Console.Error.WriteLine("skipped " + m.DeclaringType + "." + m.Name); continue; }

  string name = m.IsConstructor ? "#ctor" : m.Name + (m.IsGenericMethod ? "``" + m.GetGenericArguments().Length : "");
  string id = "M:" + Id(m.DeclaringType!, m) + "." + name + (ps.Length > 0 ? "(" + string.Join(",", ps.Select(p => Id(p.ParameterType, m))) + ")" : "");
  if (m is MethodInfo mi && (m.Name == "op_Implicit" || m.Name == "op_Explicit")) id += "~" + Id(mi.ReturnType, m);
  Console.WriteLine(id);
}
